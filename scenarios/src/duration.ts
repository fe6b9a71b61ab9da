import { ScenarioError } from './errors.js'

/**
 * A duration as people write it: a sequence of number+unit parts, largest unit first, e.g.
 * `'500ms'`, `'30s'`, `'2m'`, `'1h30m'`, `'1.5s'`. Units: `h`, `m`, `s`, `ms`, `us`/`µs`.
 */
export type Duration = string

const UNIT_MS: Readonly<Record<string, number>> = {
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
  us: 0.001,
  µs: 0.001,
}
const UNIT_ORDER = ['h', 'm', 's', 'ms', 'us', 'µs']
const PART = /(\d+(?:\.\d+)?)(ms|us|µs|h|m|s)/y
const EXAMPLES = "write a number with a unit, e.g. '500ms', '30s', '2m', '1h30m'"

/**
 * Parses a duration string into milliseconds. `field` names where it came from so the error can
 * say which value to fix. Throws `E_SCENARIO_INVALID_DURATION` for anything else, including a bare
 * number (is `30` seconds or milliseconds?), units out of order (`'30s1m'`) or a repeated unit.
 */
export function parseDuration(text: unknown, field = 'duration'): number {
  if (typeof text !== 'string' || text.trim() === '')
    throw invalid(text, field, 'is not a duration')
  const source = text.trim()
  if (/^\d+(\.\d+)?$/.test(source)) {
    throw invalid(text, field, `has no unit (seconds? milliseconds?)`)
  }
  let total = 0
  let lastUnit = -1
  PART.lastIndex = 0
  while (PART.lastIndex < source.length) {
    const start = PART.lastIndex
    const match = PART.exec(source)
    if (match === null)
      throw invalid(text, field, `has an unreadable part at '${source.slice(start)}'`)
    const unit = match[2] as string
    const rank = UNIT_ORDER.indexOf(unit === 'µs' ? 'us' : unit)
    if (rank <= lastUnit) throw invalid(text, field, `repeats a unit or puts them out of order`)
    lastUnit = rank
    total += Number(match[1]) * (UNIT_MS[unit] as number)
  }
  return total
}

/** Formats milliseconds for people: `'1h30m'`, `'2m5s'`, `'1.5s'`, `'250ms'`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms)
  if (ms < 1000) return `${round(ms)}ms`
  const hours = Math.floor(ms / 3_600_000)
  const minutes = Math.floor((ms % 3_600_000) / 60_000)
  const seconds = (ms % 60_000) / 1000
  const parts: string[] = []
  if (hours > 0) parts.push(`${hours}h`)
  if (minutes > 0) parts.push(`${minutes}m`)
  if (seconds > 0) parts.push(`${round(seconds)}s`)
  return parts.join('')
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000
}

function invalid(value: unknown, field: string, problem: string): ScenarioError {
  const shown = typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value))
  return new ScenarioError(
    'E_SCENARIO_INVALID_DURATION',
    `${field}: ${shown} ${problem}; ${EXAMPLES}.`,
    {
      context: { field, value },
    },
  )
}
