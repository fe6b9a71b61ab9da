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

/**
 * Polls `check` until it returns true; past `timeoutMs` it rejects with an error that names
 * `what` was awaited, so a contract failure says which condition never came.
 */
export async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** A promise and the function that resolves it. */
export function signal(): { promise: Promise<void>; fire: () => void } {
  let fire!: () => void
  const promise = new Promise<void>((resolve) => (fire = resolve))
  return { promise, fire }
}

/**
 * Statements a lock holder runs after a rival transaction was started, before it lets go: the
 * rival needs a pooled connection and one or two statements of its own to queue on the lock, and
 * each of these is a round trip during which it gets there.
 */
const RIVAL_HEAD_START = 20

/**
 * Lets a rival transaction, already started, reach a lock that the caller's transaction holds:
 * runs `statement` (a cheap statement inside the holding transaction) a fixed number of times.
 * Sized by work instead of a timer, so a loaded machine slows both sides alike. A store that runs
 * transactions one at a time (the memory store) has queued the rival before this starts.
 */
export async function letRivalQueue(statement: () => Promise<unknown>): Promise<void> {
  for (let done = 0; done < RIVAL_HEAD_START; done++) await statement()
}

/**
 * Runs `count` empty transactions at once, so that a store with a connection pool has that many
 * open connections: a rival transaction then reaches its lock without connecting first.
 */
export async function warmUp(
  store: { transaction(fn: () => Promise<unknown>): Promise<unknown> },
  count = 3,
): Promise<void> {
  await Promise.all(Array.from({ length: count }, () => store.transaction(() => Promise.resolve())))
}
