import { BUILT_IN_OPERATIONS } from '../names.js'
import type { Problems } from './problems.js'
import { show } from './problems.js'

const OPEN_FIELDS = [
  'name',
  'model',
  'startRate',
  'timeUnit',
  'stages',
  'preAllocated',
  'maxInFlight',
  'maxBacklog',
  'timeout',
  'operations',
]
const CLOSED_FIELDS = [
  'name',
  'model',
  'connections',
  'duration',
  'pipelining',
  'timeout',
  'operations',
]

/** Checks one workload; returns its load duration in ms (undefined when it cannot be told). */
export function checkWorkload(
  problems: Problems,
  field: string,
  input: unknown,
): number | undefined {
  if (!problems.object(field, input, "write { name, model: 'open' | 'closed', ... }"))
    return undefined
  problems.string(`${field}.name`, input.name, "name the workload, e.g. 'readers'")
  if (input.timeout !== undefined) positiveDuration(problems, `${field}.timeout`, input.timeout)
  if (input.model === 'open') return checkOpen(problems, field, input)
  if (input.model === 'closed') return checkClosed(problems, field, input)
  problems.add(
    `${field}.model`,
    `${show(input.model)} is not a load model; use 'open' (arrival rate, like k6's ramping-arrival-rate) or 'closed' (connections, via autocannon)`,
  )
  return undefined
}

function checkOpen(
  problems: Problems,
  field: string,
  input: Readonly<Record<string, unknown>>,
): number | undefined {
  problems.unknownKeys(field, input, OPEN_FIELDS)
  if (input.startRate !== undefined)
    problems.number(`${field}.startRate`, input.startRate, { min: 0 })
  if (input.timeUnit !== undefined) positiveDuration(problems, `${field}.timeUnit`, input.timeUnit)
  problems.number(`${field}.maxInFlight`, input.maxInFlight, { min: 1, integer: true })
  for (const name of ['preAllocated', 'maxBacklog'] as const) {
    if (input[name] !== undefined)
      problems.number(`${field}.${name}`, input[name], { min: 0, integer: true })
  }
  checkOperations(problems, `${field}.operations`, input.operations, true)
  if (
    !problems.array(
      `${field}.stages`,
      input.stages,
      "write e.g. [{ target: 100, duration: '30s' }]",
    )
  ) {
    return undefined
  }
  if (input.stages.length === 0)
    problems.add(`${field}.stages`, 'is empty; give at least one { target, duration }')
  let total = 0
  input.stages.forEach((stage, index) => {
    const at = `${field}.stages[${index}]`
    if (!problems.object(at, stage, "write { target: <rate>, duration: '30s' }")) return
    problems.unknownKeys(at, stage, ['target', 'duration'])
    problems.number(`${at}.target`, stage.target, { min: 0 })
    total += positiveDuration(problems, `${at}.duration`, stage.duration) ?? 0
  })
  return total
}

function checkClosed(
  problems: Problems,
  field: string,
  input: Readonly<Record<string, unknown>>,
): number | undefined {
  problems.unknownKeys(field, input, CLOSED_FIELDS)
  problems.number(`${field}.connections`, input.connections, { min: 1, integer: true })
  if (input.pipelining !== undefined)
    problems.number(`${field}.pipelining`, input.pipelining, { min: 1, integer: true })
  checkOperations(problems, `${field}.operations`, input.operations, false)
  return positiveDuration(problems, `${field}.duration`, input.duration)
}

function checkOperations(
  problems: Problems,
  field: string,
  input: unknown,
  allowCustom: boolean,
): void {
  if (
    !problems.array(
      field,
      input,
      "write e.g. [{ op: 'read-product', weight: 9 }, { op: 'write-product', weight: 1 }]",
    )
  ) {
    return
  }
  if (input.length === 0) problems.add(field, 'is empty; name at least one operation')
  input.forEach((entry, index) => {
    const at = `${field}[${index}]`
    if (!problems.object(at, entry, "write { op: 'read-product', weight: 1 }")) return
    problems.unknownKeys(at, entry, ['op', 'weight', 'run', 'invoke'])
    if (entry.weight !== undefined) problems.number(`${at}.weight`, entry.weight, { min: 0 })
    checkOperation(problems, at, entry, allowCustom)
  })
}

function checkOperation(
  problems: Problems,
  at: string,
  entry: Readonly<Record<string, unknown>>,
  allowCustom: boolean,
): void {
  const custom = entry.run !== undefined
  if (custom && !allowCustom) {
    problems.add(
      `${at}.run`,
      'a closed (autocannon) workload cannot run custom operations; move it to an open workload',
    )
    return
  }
  if (custom && typeof entry.run !== 'function')
    problems.add(`${at}.run`, 'must be an async function (ctx) => result')
  if (entry.invoke !== undefined && typeof entry.invoke !== 'function') {
    problems.add(`${at}.invoke`, 'must be a function ({ process, random }) => ({ key, value })')
  }
  if (custom) {
    problems.string(`${at}.op`, entry.op, "name the custom operation, e.g. 'my-checkout'")
    return
  }
  if (
    typeof entry.op === 'string' &&
    !(BUILT_IN_OPERATIONS as readonly string[]).includes(entry.op)
  ) {
    problems.add(
      `${at}.op`,
      `'${entry.op}' is not a built-in operation; use one of: ${BUILT_IN_OPERATIONS.join(', ')} (or give run: for a custom one)`,
    )
    return
  }
  problems.oneOf(`${at}.op`, entry.op, BUILT_IN_OPERATIONS, 'operation')
}

/** A duration that must be above zero. */
export function positiveDuration(
  problems: Problems,
  field: string,
  value: unknown,
): number | undefined {
  const ms = problems.duration(field, value)
  if (ms !== undefined && ms <= 0) {
    problems.add(field, `${show(value)} must be longer than zero`)
    return undefined
  }
  return ms
}
