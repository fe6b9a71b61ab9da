import { SagaKitError } from './errors.js'

/**
 * Option checks shared by every factory. Each error names the call, the option, the value it got
 * and what it must be, so the message alone says how to fix the call.
 */

/** A value as a message shows it: short, and never a whole object. */
function describeValue(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)
  if (typeof value === 'function') return 'a function'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object' && value !== null) return 'an object'
  return String(value)
}

/** The `E_SAGA_INVALID_OPTION` error for `where`'s `option`. */
export function invalidOption(
  where: string,
  option: string,
  value: unknown,
  rule: string,
): SagaKitError {
  return new SagaKitError(
    'E_SAGA_INVALID_OPTION',
    `${where}: option ${option} must be ${rule}; got ${describeValue(value)}.`,
    { context: { option, value: describeValue(value) } },
  )
}

/** Throws unless `value` is an integer in [min, max]; `undefined` gives `fallback`. */
export function checkInt(
  where: string,
  option: string,
  value: unknown,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidOption(where, option, value, `an integer from ${min} to ${max}`)
  }
  return value
}

/** Longest delay a Node.js timer keeps: longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1

/** Throws unless `value` is a whole number of milliseconds in [min, MAX_TIMER_MS]. */
export function checkMs(
  where: string,
  option: string,
  value: unknown,
  fallback: number,
  min = 1,
): number {
  return checkInt(where, option, value, fallback, min, MAX_TIMER_MS)
}

/** Throws unless `value` is a number in [0, 1]. */
export function checkRate(where: string, option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw invalidOption(where, option, value, 'a number from 0 to 1')
  }
  return value
}

/** Throws unless `value` is a string of 1 to `maxLength` characters. */
export function checkText(
  where: string,
  option: string,
  value: unknown,
  fallback?: string,
  maxLength = 200,
): string {
  if (value === undefined && fallback !== undefined) return fallback
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    throw invalidOption(
      where,
      option,
      value,
      `a non-empty string of at most ${maxLength} characters`,
    )
  }
  return value
}

/** Throws unless `value` is a function or undefined. */
export function checkFunction<Fn>(where: string, option: string, value: unknown): Fn | undefined {
  if (value === undefined || typeof value === 'function') return value as Fn | undefined
  throw invalidOption(where, option, value, 'a function')
}

/**
 * Throws unless `value` is an object with every one of `methods` (a pool, a transport, a logger,
 * a clock). `what` names the expected type in the message; `undefined` gives `fallback`.
 */
export function checkPort<Port>(
  where: string,
  option: string,
  value: unknown,
  what: string,
  methods: readonly string[],
  fallback?: Port,
): Port {
  if (value === undefined && fallback !== undefined) return fallback
  const holder = value as Record<string, unknown> | null | undefined
  const missing = methods.filter((name) => typeof holder?.[name] !== 'function')
  if (typeof value !== 'object' || value === null || missing.length > 0) {
    throw invalidOption(where, option, value, `${what} (with ${methods.join('(), ')}())`)
  }
  return value as Port
}

/** Throws unless `options` is an object (JavaScript callers can pass anything). */
export function checkOptions(where: string, options: unknown): void {
  if (typeof options === 'object' && options !== null && !Array.isArray(options)) return
  throw new SagaKitError(
    'E_SAGA_INVALID_OPTION',
    `${where} takes an options object; got ${describeValue(options)}.`,
  )
}
