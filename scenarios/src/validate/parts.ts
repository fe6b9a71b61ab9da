import { formatDuration } from '../duration.js'
import { SERVICE_NAMES } from '../names.js'
import { parseThresholdCondition, parseThresholdKey } from '../threshold-syntax.js'
import { checkFault, type FaultLimits } from './fault.js'
import type { Problems } from './problems.js'
import { show } from './problems.js'
import { checkWorkload } from './workload.js'

/** Checks a list of workloads; returns the load duration (the longest workload) in ms. */
export function checkLoad(problems: Problems, field: string, input: unknown): number | undefined {
  if (!problems.array(field, input, "write e.g. [{ name: 'readers', model: 'open', ... }]"))
    return undefined
  if (input.length === 0) problems.add(field, 'is empty; give at least one workload')
  const names = new Set<string>()
  let longest: number | undefined = 0
  input.forEach((workload, index) => {
    const ms = checkWorkload(problems, `${field}[${index}]`, workload)
    longest = ms === undefined || longest === undefined ? undefined : Math.max(longest, ms)
    const name = (workload as { name?: unknown } | null)?.name
    if (typeof name !== 'string') return
    if (names.has(name))
      problems.add(
        `${field}[${index}].name`,
        `'${name}' is used twice; give each workload its own name`,
      )
    names.add(name)
  })
  return longest
}

/** Checks the fault schedule against the load duration (a fault must start before load ends). */
export function checkFaults(
  problems: Problems,
  field: string,
  input: unknown,
  loadMs: number | undefined,
  limits: FaultLimits,
): void {
  if (input === undefined) return
  if (
    !problems.array(
      field,
      input,
      "write e.g. [{ kind: 'kill', target: 'redis', at: '10s', duration: '5s' }]",
    )
  )
    return
  input.forEach((fault, index) => {
    const window = checkFault(problems, `${field}[${index}]`, fault, limits)
    if (window === undefined || loadMs === undefined || window.latestStartMs < loadMs) return
    problems.add(
      window.field,
      `may start at ${formatDuration(window.latestStartMs)}, not before the load ends at ${formatDuration(loadMs)}; start it earlier or lengthen the load`,
    )
  })
}

/** Checks the checks list: names (resolved against the CLI's registry at run time) and options. */
export function checkChecks(problems: Problems, field: string, input: unknown): void {
  if (input === undefined) return
  if (
    !problems.array(field, input, "write e.g. ['staleness', { name: 'sagas', options: { ... } }]")
  )
    return
  input.forEach((check, index) => {
    const at = `${field}[${index}]`
    if (typeof check === 'string') {
      problems.string(at, check)
      return
    }
    if (!problems.object(at, check, 'write a checker name or { name, options }')) return
    problems.unknownKeys(at, check, ['name', 'options'])
    problems.string(`${at}.name`, check.name, "name a checker, e.g. 'staleness'")
    if (check.options !== undefined)
      problems.object(`${at}.options`, check.options, 'give an object of options')
  })
}

/** Checks the thresholds' syntax (metric names are checked against the run's metrics at start). */
export function checkThresholds(problems: Problems, field: string, input: unknown): void {
  if (input === undefined) return
  if (
    !problems.object(
      field,
      input,
      "write e.g. { 'http_req_duration{op:read-product}': ['p(99)<50'] }",
    )
  )
    return
  for (const [key, conditions] of Object.entries(input)) {
    const at = `${field}['${key}']`
    try {
      parseThresholdKey(key)
    } catch (error) {
      problems.list.push((error as Error).message.replace(/\.$/, ''))
    }
    if (!problems.array(at, conditions, "write a list of conditions, e.g. ['p(99)<50']")) continue
    if (conditions.length === 0)
      problems.add(at, "is empty; give at least one condition, e.g. 'p(99)<50'")
    conditions.forEach((condition, index) => {
      try {
        parseThresholdCondition(condition as string, `${at}[${index}]`)
      } catch (error) {
        problems.list.push((error as Error).message.replace(/\.$/, ''))
      }
    })
  }
}

/** Products seeded when `topology.products` is not given (its documented default). */
const DEFAULT_PRODUCTS = 200

/** Checks the topology requirements; returns what they offer faults. */
export function checkTopology(problems: Problems, field: string, input: unknown): FaultLimits {
  const defaults = { replicas: 1, products: DEFAULT_PRODUCTS }
  if (input === undefined) return defaults
  if (!problems.object(field, input, "write e.g. { replicas: { 'catalog-query': 3 } }"))
    return defaults
  problems.unknownKeys(field, input, [
    'replicas',
    'tls',
    'lb',
    'services',
    'replicaDelay',
    'products',
    'stock',
    'paymentFailureRate',
  ])
  const products =
    input.products === undefined ||
    !problems.number(`${field}.products`, input.products, { min: 1, max: 100_000, integer: true })
      ? DEFAULT_PRODUCTS
      : input.products
  if (input.stock !== undefined)
    problems.number(`${field}.stock`, input.stock, { min: 0, max: 1_000_000_000, integer: true })
  if (input.paymentFailureRate !== undefined)
    problems.number(`${field}.paymentFailureRate`, input.paymentFailureRate, { min: 0, max: 1 })
  if (input.tls !== undefined && typeof input.tls !== 'boolean')
    problems.add(`${field}.tls`, `${show(input.tls)} must be true or false`)
  if (input.lb !== undefined)
    problems.oneOf(`${field}.lb`, input.lb, ['nginx', 'node', 'auto'], 'load balancer')
  if (input.replicaDelay !== undefined)
    problems.duration(`${field}.replicaDelay`, input.replicaDelay)
  if (
    input.services !== undefined &&
    problems.array(`${field}.services`, input.services, "write e.g. ['catalog-query']")
  ) {
    input.services.forEach((name, index) =>
      problems.oneOf(`${field}.services[${index}]`, name, SERVICE_NAMES, 'service'),
    )
  }
  return { replicas: checkReplicas(problems, `${field}.replicas`, input.replicas), products }
}

/** Checks `topology.replicas`; returns the catalog-query instance count. */
function checkReplicas(problems: Problems, field: string, input: unknown): number {
  if (input === undefined) return 1
  if (!problems.object(field, input, "write { 'catalog-query': 3 }")) return 1
  problems.unknownKeys(field, input, ['catalog-query'])
  const count = input['catalog-query']
  if (count === undefined) return 1
  return problems.number(`${field}['catalog-query']`, count, { min: 1, max: 64, integer: true })
    ? count
    : 1
}
