import { invalidOption, type InfraErrorContext } from './errors.js'

/**
 * `value` when it is an integer from `min` to `max`; otherwise `E_INFRA_INVALID_OPTION` naming
 * the option, the value and the range.
 */
export function checkInteger(
  option: string,
  value: unknown,
  range: { readonly min: number; readonly max?: number },
  context: InfraErrorContext = {},
): number {
  const max = range.max ?? Number.MAX_SAFE_INTEGER
  if (
    typeof value === 'number' &&
    Number.isSafeInteger(value) &&
    value >= range.min &&
    value <= max
  ) {
    return value
  }
  const expected =
    range.max === undefined
      ? `an integer of at least ${range.min}`
      : `an integer from ${range.min} to ${range.max}`
  throw invalidOption(option, value, expected, context)
}

/** `value` when it is one of `allowed`; otherwise `E_INFRA_INVALID_OPTION` listing them. */
export function checkOneOf<T extends string>(
  option: string,
  value: unknown,
  allowed: readonly T[],
  context: InfraErrorContext = {},
): T {
  if (allowed.includes(value as T)) return value as T
  throw invalidOption(option, value, `one of ${allowed.join(', ')}`, context)
}

/** Checks an optional `log` callback, which every `startX()` takes. */
export function checkLog(log: unknown, context: InfraErrorContext = {}): void {
  if (log !== undefined && typeof log !== 'function') {
    throw invalidOption('log', log, 'a function taking one line', context)
  }
}
