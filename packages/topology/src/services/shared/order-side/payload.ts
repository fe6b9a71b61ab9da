import { rejectStep } from '@faultline/saga-kit'

type FieldType = 'string' | 'integer'

/**
 * Reads a command's or event's payload against the fields it must have. A payload that does
 * not match is a final refusal (`rejectStep`): it will never parse however often it is retried,
 * and the saga compensates instead of waiting.
 */
export function readPayload<T extends Record<string, string | number>>(
  payload: unknown,
  fields: Readonly<Record<keyof T & string, FieldType>>,
): T {
  if (typeof payload !== 'object' || payload === null)
    throw rejectStep('malformed payload: not an object')
  const record = payload as Record<string, unknown>
  for (const [name, type] of Object.entries(fields)) {
    const value = record[name]
    const ok =
      type === 'string'
        ? typeof value === 'string' && value.length > 0 && value.length <= 200
        : Number.isSafeInteger(value)
    if (!ok) throw rejectStep(`malformed payload: ${name} must be a ${type}`)
  }
  return record as T
}
