import type { HistoryEvent } from './events.js'

/** The result of checking one parsed line: the event, or what is wrong with it. */
export type ParsedEvent =
  | { readonly ok: true; readonly event: HistoryEvent }
  | { readonly ok: false; readonly problem: string }

const MARKS = new Set(['run-start', 'load-start', 'load-end', 'quiesced', 'run-end', 'interrupted'])
const COMPLETIONS = new Set(['ok', 'fail', 'info'])

type Fields = Record<string, unknown>
type FieldCheck = (value: unknown) => boolean

const isInteger: FieldCheck = (v) => Number.isSafeInteger(v)
const isTime: FieldCheck = (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0
const isText: FieldCheck = (v) => typeof v === 'string' && v.length > 0
const isString: FieldCheck = (v) => typeof v === 'string'
const isObject: FieldCheck = (v) => typeof v === 'object' && v !== null && !Array.isArray(v)

const EXPECTED = new Map<FieldCheck, string>([
  [isInteger, 'an integer'],
  [isTime, 'a number >= 0 (microseconds since the run started)'],
  [isText, 'a non-empty string'],
  [isString, 'a string'],
  [isObject, 'an object'],
])

/** Required and optional fields of each event type, with their checks. */
const SHAPES: Record<
  string,
  { required: [string, FieldCheck][]; optional: [string, FieldCheck][] }
> = {
  invoke: {
    required: [
      ['id', isInteger],
      ['process', isInteger],
      ['time', isTime],
      ['op', isText],
      ['workload', isString],
    ],
    optional: [
      ['intendedTime', isTime],
      ['key', isString],
    ],
  },
  completion: {
    required: [
      ['id', isInteger],
      ['process', isInteger],
      ['time', isTime],
      ['op', isText],
    ],
    optional: [
      ['key', isString],
      ['status', isInteger],
      ['error', isString],
    ],
  },
  fault: {
    required: [
      ['id', isInteger],
      ['time', isTime],
      ['fault', isText],
      ['target', isText],
    ],
    optional: [['detail', isObject]],
  },
  mark: { required: [['time', isTime]], optional: [] },
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

function checkFields(fields: Fields, shape: (typeof SHAPES)[string]): string | undefined {
  for (const [name, check] of shape.required) {
    if (!(name in fields)) return `field \`${name}\` is missing`
    if (!check(fields[name]))
      return `field \`${name}\` must be ${EXPECTED.get(check)}, got ${shown(fields[name])}`
  }
  for (const [name, check] of shape.optional) {
    const value = fields[name]
    if (value !== undefined && !check(value)) {
      return `field \`${name}\` must be ${EXPECTED.get(check)} when present, got ${shown(value)}`
    }
  }
  return undefined
}

function problemOf(fields: Fields): string | undefined {
  const type = fields.type
  if (type === 'invoke') return checkFields(fields, SHAPES.invoke!)
  if (typeof type === 'string' && COMPLETIONS.has(type))
    return checkFields(fields, SHAPES.completion!)
  if (type === 'fault') {
    if (fields.phase !== 'start' && fields.phase !== 'end') {
      return `field \`phase\` must be "start" or "end", got ${shown(fields.phase)}`
    }
    return checkFields(fields, SHAPES.fault!)
  }
  if (type === 'mark') {
    if (!MARKS.has(fields.name as string)) {
      return `field \`name\` must be one of ${[...MARKS].join(', ')}, got ${shown(fields.name)}`
    }
    return checkFields(fields, SHAPES.mark!)
  }
  return `field \`type\` must be one of invoke, ok, fail, info, fault, mark, got ${shown(type)}`
}

/**
 * Checks that a parsed JSON value is a well-formed {@link HistoryEvent}: a known `type` and, for
 * it, every required field present with the right type. Extra fields are kept (a newer recorder
 * may add some); `value` and `detail` are not inspected beyond `detail` being an object.
 */
export function toHistoryEvent(value: unknown): ParsedEvent {
  if (!isObject(value)) return { ok: false, problem: `expected a JSON object, got ${shown(value)}` }
  const problem = problemOf(value as Fields)
  return problem === undefined ? { ok: true, event: value as HistoryEvent } : { ok: false, problem }
}
