import { InfraError } from '../errors.js'
import type { ToxicInfo, ToxicStream, ToxicType } from './types.js'

interface AttributeRule {
  readonly min: number
  readonly default?: number
  /** Exclusive upper bound taken from another attribute's value. */
  readonly below?: string
}

/** Per type: the attributes it accepts. Unknown names are refused so typos fail loudly. */
const RULES: Readonly<Record<ToxicType, Readonly<Record<string, AttributeRule>>>> = {
  latency: { latencyMs: { min: 0 }, jitterMs: { min: 0, default: 0 } },
  bandwidth: { rateKBps: { min: 1 } },
  slicer: {
    averageSize: { min: 1 },
    sizeVariation: { min: 0, default: 0, below: 'averageSize' },
    delayUs: { min: 0, default: 0 },
  },
  timeout: { timeoutMs: { min: 0 } },
  reset_peer: { timeoutMs: { min: 0, default: 0 } },
  limit_data: { bytes: { min: 0 } },
  down: {},
}

const STREAMS: readonly ToxicStream[] = ['upstream', 'downstream']

/** Renders an untrusted value for a message without `[object Object]`. */
function show(value: unknown): string {
  if (typeof value === 'number') return String(value)
  try {
    return JSON.stringify(value) ?? 'undefined'
  } catch {
    return typeof value
  }
}

function bad(message: string, context: Record<string, unknown> = {}): InfraError {
  return new InfraError('E_INFRA_INVALID_OPTION', message, { context })
}

/** True when `value` names a toxic type this proxy implements. */
export function isToxicType(value: unknown): value is ToxicType {
  return typeof value === 'string' && Object.hasOwn(RULES, value)
}

/** Splits `host:port` (or `[v6]:port`) and refuses anything else. */
export function parseUpstream(upstream: unknown): { host: string; port: number } {
  const text = typeof upstream === 'string' ? upstream : ''
  const match = /^(?:\[([^\]]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text)
  const port = Number(match?.[3])
  const host = match?.[1] ?? match?.[2]
  if (host === undefined || !(port >= 1 && port <= 65535)) {
    throw bad(`Fault proxy upstream ${show(upstream)} is not "host:port".`, {
      option: 'upstream',
      value: show(upstream),
    })
  }
  return { host, port }
}

/** Checks the option object's shape beyond what `parseUpstream` and `checkListenPort` cover. */
export function checkProxyOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null) {
    throw bad('createFaultProxy() needs an options object with an upstream "host:port".')
  }
  const { random, listenHost } = options as Record<string, unknown>
  if (random !== undefined && typeof random !== 'function') {
    throw bad(
      `Fault proxy option random must be a function returning [0, 1), got ${show(random)}.`,
      { option: 'random' },
    )
  }
  if (listenHost !== undefined && (typeof listenHost !== 'string' || listenHost === '')) {
    throw bad(`Fault proxy listenHost ${show(listenHost)} is not a host name or address.`, {
      option: 'listenHost',
      value: show(listenHost),
    })
  }
}

/** Checks a listen port: an integer in 0..65535, 0 meaning "any free port". */
export function checkListenPort(port: unknown): number {
  if (port === undefined) return 0
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw bad(`Fault proxy listenPort ${show(port)} is not an integer in 0..65535.`, {
      option: 'listenPort',
      value: show(port),
    })
  }
  return port
}

/** Checks a toxicity: a number in 0..1. */
export function checkToxicity(value: unknown, name: string): number {
  if (value === undefined) return 1
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw bad(`Toxic "${name}": toxicity ${show(value)} is outside 0..1.`, {
      toxic: name,
      option: 'toxicity',
      value: show(value),
    })
  }
  return value
}

/** Checks a stream name. */
export function checkStream(value: unknown, name: string): ToxicStream {
  if (value === undefined) return 'downstream'
  if (!STREAMS.includes(value as ToxicStream)) {
    throw bad(`Toxic "${name}": stream ${JSON.stringify(value)} is not upstream or downstream.`, {
      toxic: name,
      option: 'stream',
      value: show(value),
    })
  }
  return value as ToxicStream
}

/** Checks a toxic type. */
export function checkType(value: unknown): ToxicType {
  if (!isToxicType(value)) {
    const known = Object.keys(RULES).join(', ')
    throw bad(`Unknown toxic type ${JSON.stringify(value)}; expected one of ${known}.`, {
      option: 'type',
      value: show(value),
    })
  }
  return value
}

/** Validates attributes for `type`, fills defaults, and returns a fresh object. */
export function checkAttributes(
  type: ToxicType,
  raw: unknown,
  name: string,
): Record<string, number> {
  if (raw !== undefined && (typeof raw !== 'object' || raw === null)) {
    throw bad(`Toxic "${name}": attributes must be an object.`, { toxic: name })
  }
  const given = (raw ?? {}) as Record<string, unknown>
  const rules = RULES[type]
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(rules, key)) {
      const known = Object.keys(rules).join(', ') || 'none'
      throw bad(`Toxic "${name}": ${type} has no attribute "${key}" (accepted: ${known}).`, {
        toxic: name,
        option: `attributes.${key}`,
      })
    }
  }
  const out: Record<string, number> = {}
  for (const [key, rule] of Object.entries(rules)) out[key] = checkOne(given[key], key, rule, name)
  checkRelations(out, rules, name)
  return out
}

function checkOne(value: unknown, key: string, rule: AttributeRule, name: string): number {
  if (value === undefined && rule.default !== undefined) return rule.default
  if (typeof value !== 'number' || !Number.isFinite(value) || value < rule.min) {
    const what = value === undefined ? 'is missing' : `is ${show(value)}`
    throw bad(`Toxic "${name}": attribute ${key} ${what}; it must be a number >= ${rule.min}.`, {
      toxic: name,
      option: `attributes.${key}`,
      value: show(value),
    })
  }
  return value
}

function checkRelations(
  values: Record<string, number>,
  rules: Readonly<Record<string, AttributeRule>>,
  name: string,
): void {
  for (const [key, rule] of Object.entries(rules)) {
    const limit = rule.below === undefined ? undefined : values[rule.below]
    const value = values[key]
    if (limit !== undefined && value !== undefined && value >= limit) {
      throw bad(`Toxic "${name}": ${key} (${value}) must be below ${rule.below} (${limit}).`, {
        toxic: name,
        attribute: key,
      })
    }
  }
}

/** Turns an untrusted spec into a resolved {@link ToxicInfo}. */
export function resolveToxic(spec: unknown): ToxicInfo {
  if (typeof spec !== 'object' || spec === null) throw bad('A toxic spec must be an object.')
  const raw = spec as Record<string, unknown>
  const type = checkType(raw.type)
  const stream = checkStream(raw.stream, typeof raw.name === 'string' ? raw.name : type)
  const name = raw.name ?? `${type}_${stream}`
  if (typeof name !== 'string' || name.length === 0) {
    throw bad(`A toxic name must be a non-empty string, got ${JSON.stringify(name)}.`)
  }
  const toxicity = checkToxicity(raw.toxicity, name)
  if (type === 'down' && toxicity !== 1) {
    throw bad(`Toxic "${name}": down acts on the whole proxy, so its toxicity must be 1.`)
  }
  return { name, type, stream, toxicity, attributes: checkAttributes(type, raw.attributes, name) }
}
