import { CacheKitError } from './errors.js'

/**
 * The error for an option that is out of range: it names the option, the value it got and what it
 * must be, so the message alone says how to fix the call.
 */
export function invalidOption(option: string, value: unknown, rule: string): CacheKitError {
  return new CacheKitError(
    'E_CACHE_INVALID_OPTION',
    `Option ${option} must be ${rule}; got ${describeValue(value)}.`,
    { context: { option, value: describeValue(value) } },
  )
}

/** Throws unless `value` is an integer in [min, max]. */
export function checkInt(
  option: string,
  value: unknown,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidOption(option, value, `an integer from ${min} to ${max}`)
  }
  return value
}

/** Throws unless `value` is a number in [0, 1) (`allowZero`) or (0, 1). */
export function checkFraction(option: string, value: unknown, allowZero: boolean): number {
  const ok = typeof value === 'number' && (allowZero ? value >= 0 : value > 0) && value < 1
  if (!ok) throw invalidOption(option, value, `a number in ${allowZero ? '[' : '('}0, 1)`)
  return value
}

/** Throws unless `value` is a string of 1 to `maxLength` characters. */
export function checkText(option: string, value: unknown, maxLength = 1_024): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    throw invalidOption(option, value, `a non-empty string of at most ${maxLength} characters`)
  }
  return value
}

/**
 * Throws unless `value` is an object with every one of `methods` (a port such as a store, a bus,
 * a logger or a clock). `what` names the expected type in the message.
 */
export function checkPort<T>(
  option: string,
  value: unknown,
  what: string,
  methods: readonly string[],
): T {
  const holder = value as Record<string, unknown> | null | undefined
  const missing = methods.filter((name) => typeof holder?.[name] !== 'function')
  if (typeof value !== 'object' || value === null || missing.length > 0) {
    throw invalidOption(option, value, `${what} (with ${methods.join('(), ')}())`)
  }
  return value as T
}

/** Throws unless `value` is a function. */
export function checkFunction<T>(option: string, value: unknown, what: string): T {
  if (typeof value !== 'function') throw invalidOption(option, value, what)
  return value as T
}

/** A short, secret-free rendering of an option's value for messages. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (typeof value === 'bigint') return `${value}n`
  if (value === null || value === undefined) return String(value)
  if (typeof value === 'function') return 'a function'
  return Array.isArray(value) ? 'an array' : 'an object'
}

/** Drops keys whose value is `undefined`, so they do not override defaults. */
export function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, entryValue]) => entryValue !== undefined),
  ) as Partial<T>
}
