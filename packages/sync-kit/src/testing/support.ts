import type { EventEnvelope, JsonValue } from '../envelope.js'
import { uuidv7 } from '../uuidv7.js'

/** One event of aggregate `item/<id>`, for the contract suites. */
export function itemEvent(
  id: string,
  sequence: number,
  value: JsonValue = sequence,
  extra: Partial<EventEnvelope> = {},
): EventEnvelope {
  return {
    id: uuidv7(),
    aggregateType: 'item',
    aggregateId: id,
    type: 'item.appended',
    schemaVersion: 1,
    sequence,
    payload: { value },
    headers: {},
    occurredAt: new Date(0).toISOString(),
    ...extra,
  }
}

/** Polls `check` until it returns true, or rejects after `timeoutMs`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('waitUntil: timed out')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
