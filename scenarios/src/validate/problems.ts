import { parseDuration } from '../duration.js'

/** Collects every problem of a definition, each as `field: what is wrong; the fix`. */
export class Problems {
  readonly list: string[] = []

  /** Records one problem. */
  add(field: string, message: string): void {
    this.list.push(`${field}: ${message}`)
  }

  /** True when `value` is a non-empty string; records a problem otherwise. */
  string(field: string, value: unknown, fix = 'give a non-empty string'): value is string {
    if (typeof value === 'string' && value.trim() !== '') return true
    this.add(field, `${show(value)} is not a non-empty string; ${fix}`)
    return false
  }

  /** True when `value` is a finite number in [min, max] (an integer when `integer`). */
  number(field: string, value: unknown, range: NumberRange): value is number {
    const { min = -Infinity, max = Infinity, integer = false } = range
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      value >= min &&
      value <= max &&
      (!integer || Number.isInteger(value))
    if (!ok) this.add(field, `${show(value)} must be ${describeRange(range)}`)
    return ok
  }

  /** True when `value` is one of `choices`; otherwise names them. */
  oneOf<T extends string>(
    field: string,
    value: unknown,
    choices: readonly T[],
    what: string,
  ): value is T {
    if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return true
    this.add(field, `${show(value)} is not a known ${what}; use one of: ${choices.join(', ')}`)
    return false
  }

  /** The duration in ms, or undefined after recording why it is not one. */
  duration(field: string, value: unknown): number | undefined {
    try {
      return parseDuration(value, field)
    } catch (error) {
      this.list.push((error as Error).message.replace(/\.$/, ''))
      return undefined
    }
  }

  /** True when `value` is an array (records a problem otherwise). */
  array(field: string, value: unknown, fix: string): value is readonly unknown[] {
    if (Array.isArray(value)) return true
    this.add(field, `${show(value)} is not a list; ${fix}`)
    return false
  }

  /** True when `value` is a plain object. */
  object(field: string, value: unknown, fix: string): value is Readonly<Record<string, unknown>> {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return true
    this.add(field, `${show(value)} is not an object; ${fix}`)
    return false
  }

  /** Records each key of `value` not in `known` (a likely typo). */
  unknownKeys(
    field: string,
    value: Readonly<Record<string, unknown>>,
    known: readonly string[],
  ): void {
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) {
        this.add(`${field}.${key}`, `is not a field here; the fields are: ${known.join(', ')}`)
      }
    }
  }
}

/** Bounds for {@link Problems.number}. */
export interface NumberRange {
  readonly min?: number
  readonly max?: number
  readonly integer?: boolean
}

function describeRange({ min, max, integer }: NumberRange): string {
  const kind = integer === true ? 'an integer' : 'a number'
  if (min !== undefined && max !== undefined) return `${kind} from ${min} to ${max}`
  if (min !== undefined) return `${kind} of at least ${min}`
  if (max !== undefined) return `${kind} of at most ${max}`
  return kind
}

/** A value as it appears in a message. */
export function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`
  if (typeof value === 'function') return 'a function'
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}
