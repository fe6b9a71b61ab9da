import {
  FAULT_KINDS,
  INFRA_PROCESSES,
  RELAY_PROCESSES,
  LINK_ENDS,
  LINK_FAULT_KINDS,
  SCALABLE_SERVICES,
  SERVICE_NAMES,
} from '../names.js'
import type { Problems } from './problems.js'
import { show } from './problems.js'
import { positiveDuration } from './workload.js'

const COMMON = ['kind', 'at', 'within', 'duration', 'repeat']
const LINK_COMMON = ['link', 'stream', 'toxicity']
const PROCESS_TARGETS: readonly string[] = [
  ...INFRA_PROCESSES,
  ...SERVICE_NAMES,
  ...RELAY_PROCESSES,
]

/** Per link fault kind: its own fields, which are required, and which are durations. */
const LINK_PARAMS: Readonly<
  Record<string, { fields: string[]; required: string[]; durations: string[] }>
> = {
  latency: {
    fields: ['latency', 'jitter'],
    required: ['latency'],
    durations: ['latency', 'jitter'],
  },
  bandwidth: { fields: ['rateKBps'], required: ['rateKBps'], durations: [] },
  slicer: { fields: ['averageSize', 'sizeVariation'], required: ['averageSize'], durations: [] },
  timeout: { fields: ['timeout'], required: ['timeout'], durations: ['timeout'] },
  reset_peer: { fields: ['timeout'], required: [], durations: ['timeout'] },
  limit_data: { fields: ['bytes'], required: ['bytes'], durations: [] },
  down: { fields: [], required: [], durations: [] },
}

/** Most concurrent reads one herd may send. */
const MAX_HERD_READERS = 1_000

/** What the scenario's topology offers its faults: instances to hit, products to herd on. */
export interface FaultLimits {
  /** catalog-query instances. */
  readonly replicas: number
  /** Seeded products. */
  readonly products: number
}

/** The latest time a fault may start, in ms after load start (for the scenario-level check). */
export interface FaultWindow {
  readonly field: string
  readonly latestStartMs: number
}

/** Checks one fault; returns when it may start at the latest, or undefined when unknown. */
export function checkFault(
  problems: Problems,
  field: string,
  input: unknown,
  limits: FaultLimits,
): FaultWindow | undefined {
  if (
    !problems.object(
      field,
      input,
      "write e.g. { kind: 'kill', target: 'redis', at: '10s', duration: '5s' }",
    )
  ) {
    return undefined
  }
  if (!problems.oneOf(`${field}.kind`, input.kind, FAULT_KINDS, 'fault kind')) return undefined
  const kind = input.kind
  if (input.duration !== undefined) {
    if (kind === 'restart')
      problems.add(
        `${field}.duration`,
        "a restart is instant; use kind: 'kill' with a duration to keep it down",
      )
    else positiveDuration(problems, `${field}.duration`, input.duration)
  }
  if ((LINK_FAULT_KINDS as readonly string[]).includes(kind))
    checkLinkFault(problems, field, input, kind)
  else if (kind === 'scale') checkScale(problems, field, input)
  else if (kind === 'herd') checkHerd(problems, field, input, limits.products)
  else checkProcess(problems, field, input, limits.replicas)
  return checkTiming(problems, field, input)
}

function checkProcess(
  problems: Problems,
  field: string,
  input: Readonly<Record<string, unknown>>,
  replicas: number,
): void {
  problems.unknownKeys(field, input, [...COMMON, 'target', 'instance'])
  if (!problems.oneOf(`${field}.target`, input.target, PROCESS_TARGETS, 'process')) return
  if (input.instance === undefined || input.instance === 'any') return
  if ((INFRA_PROCESSES as readonly string[]).includes(input.target)) {
    problems.add(`${field}.instance`, `'${input.target}' has one instance; remove instance`)
    return
  }
  const max = input.target === 'catalog-query' ? replicas - 1 : 0
  problems.number(`${field}.instance`, input.instance, { min: 0, max, integer: true })
}

function checkScale(
  problems: Problems,
  field: string,
  input: Readonly<Record<string, unknown>>,
): void {
  problems.unknownKeys(field, input, [...COMMON, 'target', 'instances'])
  problems.oneOf(`${field}.target`, input.target, SCALABLE_SERVICES, 'scalable service')
  problems.number(`${field}.instances`, input.instances, { min: 1, max: 64, integer: true })
}

function checkHerd(
  problems: Problems,
  field: string,
  input: Readonly<Record<string, unknown>>,
  products: number,
): void {
  problems.unknownKeys(field, input, [...COMMON, 'product', 'readers'])
  if (input.readers === undefined)
    problems.add(
      `${field}.readers`,
      'is required for a herd fault: how many concurrent reads, e.g. 100',
    )
  else
    problems.number(`${field}.readers`, input.readers, {
      min: 1,
      max: MAX_HERD_READERS,
      integer: true,
    })
  if (input.product !== undefined)
    problems.number(`${field}.product`, input.product, { min: 0, max: products - 1, integer: true })
}

function checkLinkFault(
  problems: Problems,
  field: string,
  input: Readonly<Record<string, unknown>>,
  kind: string,
): void {
  const params = LINK_PARAMS[kind] as (typeof LINK_PARAMS)[string]
  problems.unknownKeys(field, input, [...COMMON, ...LINK_COMMON, ...params.fields])
  checkLink(problems, `${field}.link`, input.link)
  if (input.stream !== undefined)
    problems.oneOf(`${field}.stream`, input.stream, ['upstream', 'downstream'], 'stream')
  if (input.toxicity !== undefined)
    problems.number(`${field}.toxicity`, input.toxicity, { min: 0, max: 1 })
  for (const name of params.fields) {
    const value = input[name]
    if (value === undefined) {
      if (params.required.includes(name))
        problems.add(`${field}.${name}`, `is required for a ${kind} fault`)
      continue
    }
    if (params.durations.includes(name)) problems.duration(`${field}.${name}`, value)
    else
      problems.number(`${field}.${name}`, value, {
        min: name === 'bytes' || name === 'sizeVariation' ? 0 : 1,
      })
  }
}

function checkLink(problems: Problems, field: string, value: unknown): void {
  const ends = typeof value === 'string' ? value.split('->') : []
  if (ends.length !== 2) {
    problems.add(
      field,
      `${show(value)} is not a link; write 'from->to', e.g. 'catalog-query->redis'`,
    )
    return
  }
  ends.forEach((end, index) =>
    problems.oneOf(`${field} (${index === 0 ? 'from' : 'to'})`, end, LINK_ENDS, 'link end'),
  )
}

function checkTiming(
  problems: Problems,
  field: string,
  input: Readonly<Record<string, unknown>>,
): FaultWindow | undefined {
  const { at, within } = input
  if ((at === undefined) === (within === undefined)) {
    problems.add(
      field,
      "give exactly one of at: '10s' or within: ['5s', '20s'] (picked from the seed)",
    )
    return undefined
  }
  let latest: number | undefined
  if (at !== undefined) latest = problems.duration(`${field}.at`, at)
  else if (Array.isArray(within) && within.length === 2) {
    const from = problems.duration(`${field}.within[0]`, within[0])
    const to = problems.duration(`${field}.within[1]`, within[1])
    if (from !== undefined && to !== undefined && from > to) {
      problems.add(`${field}.within`, `starts after it ends; write [earlier, later]`)
    }
    latest = to
  } else problems.add(`${field}.within`, `${show(within)} is not a window; write ['5s', '20s']`)
  const repeatSpan = checkRepeat(problems, `${field}.repeat`, input.repeat)
  return latest === undefined || repeatSpan === undefined
    ? undefined
    : { field, latestStartMs: latest + repeatSpan }
}

/** Returns how much later than the first the last repetition starts (0 without repeat). */
function checkRepeat(problems: Problems, field: string, value: unknown): number | undefined {
  if (value === undefined) return 0
  if (!problems.object(field, value, "write { every: '10s', times: 3 }")) return undefined
  problems.unknownKeys(field, value, ['every', 'times'])
  const every = positiveDuration(problems, `${field}.every`, value.every)
  const timesOk = problems.number(`${field}.times`, value.times, {
    min: 1,
    max: 10_000,
    integer: true,
  })
  return every === undefined || !timesOk ? undefined : every * ((value.times as number) - 1)
}
