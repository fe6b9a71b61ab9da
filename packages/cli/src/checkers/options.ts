import type { Checker, CheckerPass } from './checker.js'
import { CheckerError } from './errors.js'

/** What one option accepts. */
export type OptionSpec =
  | {
      readonly kind: 'number'
      readonly min?: number
      readonly max?: number
      readonly integer?: boolean
      /** Shown in errors, e.g. `milliseconds`. */
      readonly unit?: string
    }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'string' }
  | { readonly kind: 'strings' }

/** Options every checker takes. */
export interface CommonOptions {
  /** Counterexamples kept in the result; `stats` still counts every violation. @default 20 */
  readonly maxCounterexamples: number
}

/** The spec of {@link CommonOptions}. */
export const COMMON_SPECS = {
  maxCounterexamples: { kind: 'number', min: 0, integer: true },
} as const satisfies Record<keyof CommonOptions, OptionSpec>

function describeSpec(spec: OptionSpec): string {
  switch (spec.kind) {
    case 'boolean':
      return 'true or false'
    case 'string':
      return 'a string'
    case 'strings':
      return 'an array of strings'
    case 'number': {
      const what = spec.integer === true ? 'an integer' : 'a number'
      const range = [
        spec.min === undefined ? '' : `>= ${spec.min}`,
        spec.max === undefined ? '' : `<= ${spec.max}`,
      ].filter((part) => part !== '')
      const unit = spec.unit === undefined ? '' : ` (${spec.unit})`
      return `${what}${range.length > 0 ? ` ${range.join(' and ')}` : ''}${unit}`
    }
  }
}

function accepts(spec: OptionSpec, value: unknown): boolean {
  switch (spec.kind) {
    case 'boolean':
      return typeof value === 'boolean'
    case 'string':
      return typeof value === 'string'
    case 'strings':
      return Array.isArray(value) && value.every((v) => typeof v === 'string')
    case 'number':
      return (
        typeof value === 'number' &&
        !Number.isNaN(value) &&
        (spec.integer !== true || Number.isSafeInteger(value)) &&
        (spec.min === undefined || value >= spec.min) &&
        (spec.max === undefined || value <= spec.max)
      )
  }
}

/**
 * Checks a scenario's raw options for checker `checker` against `specs` and merges them over
 * `defaults`. Refuses a non-object, an unknown option (listing the valid ones) and a value of the
 * wrong type (saying what the option accepts).
 */
export function resolveOptions<O extends object>(
  checker: string,
  defaults: Readonly<O>,
  specs: Readonly<Record<keyof O, OptionSpec>>,
  raw: unknown,
): O {
  if (raw === undefined) return { ...defaults }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new CheckerError(
      'E_CLI_INVALID_OPTION',
      `${checker}: options must be an object such as { ${Object.keys(specs)[0]}: ... }, got ${JSON.stringify(raw)}.`,
      { context: { checker } },
    )
  }
  const valid = Object.keys(specs)
  for (const [option, value] of Object.entries(raw)) {
    const spec = (specs as Record<string, OptionSpec>)[option]
    if (spec === undefined) {
      throw new CheckerError(
        'E_CLI_INVALID_OPTION',
        `${checker}: unknown option \`${option}\`; valid options: ${valid.join(', ')}.`,
        { context: { checker, option, valid } },
      )
    }
    if (value !== undefined && !accepts(spec, value)) {
      throw new CheckerError(
        'E_CLI_INVALID_OPTION',
        `${checker}: option \`${option}\` must be ${describeSpec(spec)}, got ${JSON.stringify(value)}.`,
        { context: { checker, option } },
      )
    }
  }
  const given = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined))
  return { ...defaults, ...given }
}

/** What {@link defineChecker} needs. */
export interface CheckerDefinition<O extends CommonOptions> {
  readonly name: string
  readonly guarantees: readonly string[]
  readonly description: string
  readonly defaults: Readonly<O>
  readonly specs: Readonly<Record<keyof O, OptionSpec>>
  readonly begin: (options: O) => CheckerPass
}

/** A copy of `defaults` frozen one level deep, so its arrays cannot be changed under a caller. */
function frozen<O extends object>(defaults: Readonly<O>): Readonly<O> {
  const copy = Object.fromEntries(
    Object.entries(defaults).map(([k, v]: [string, unknown]) => [
      k,
      Array.isArray(v) ? Object.freeze([...(v as unknown[])]) : v,
    ]),
  )
  return Object.freeze(copy) as Readonly<O>
}

/** Builds a {@link Checker} whose options are validated by `specs`. */
export function defineChecker<O extends CommonOptions>(def: CheckerDefinition<O>): Checker<O> {
  return Object.freeze({
    name: def.name,
    guarantees: Object.freeze([...def.guarantees]),
    description: def.description,
    defaults: frozen(def.defaults),
    resolveOptions: (raw?: unknown) => resolveOptions(def.name, def.defaults, def.specs, raw),
    begin: def.begin,
  })
}
