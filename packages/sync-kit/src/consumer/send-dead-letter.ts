import { describeError, type SyncKitError } from '../errors.js'
import type { Clock, EventPublisher, Logger } from '../ports.js'
import { publishDeadLetter, toDeadLetter } from './dead-letter.js'
import type { ConsumerEvent } from './events.js'
import type { ConsumedMessage, EventOrigin } from './ports.js'

/** What {@link sendDeadLetter} needs from its consumer. */
export interface DeadLetterContext {
  readonly deadLetters: EventPublisher
  readonly deadLetterTopic: string
  readonly groupId: string
  readonly clock: Clock
  readonly logger: Logger
  readonly sleep: (ms: number) => Promise<void>
  readonly backoffBaseMs: number
  readonly backoffMaxMs: number
  readonly stopping: () => boolean
  readonly report: (event: ConsumerEvent) => void
}

/** What a dead letter carries of the message that failed. */
export type FailedMessage = Pick<ConsumedMessage, 'key' | 'value' | 'headers'>

/**
 * Dead-letters a message that could not be consumed (see {@link publishDeadLetter} for how
 * broker failures and refusals are handled) and reports it: `consumer:dead-letter-failed` for
 * each failed publish, then `consumer:dead-lettered` with how it went out.
 */
export async function sendDeadLetter(
  ctx: DeadLetterContext,
  m: FailedMessage,
  failure: { origin: EventOrigin; error: SyncKitError; attempts: number; eventId?: string },
): Promise<void> {
  const { origin, error, attempts, eventId } = failure
  const message = toDeadLetter({
    topic: ctx.deadLetterTopic,
    origin,
    key: m.key,
    value: m.value,
    headers: m.headers,
    error,
    attempts,
    groupId: ctx.groupId,
    failedAt: ctx.clock.now(),
  })
  const onFailed = (err: SyncKitError | undefined, attempt: number) =>
    ctx.report({
      type: 'consumer:dead-letter-failed',
      origin,
      attempt,
      retryable: err?.retryable ?? true,
      error: describeError(err),
    })
  const delivery = await publishDeadLetter({ ...ctx, onFailed }, message)
  const { code, message: reason } = error
  ctx.logger.warn(
    {
      ...origin,
      code,
      reason,
      delivery,
    },
    'sync-kit consumer: dead-lettered a message',
  )
  ctx.report({ type: 'consumer:dead-lettered', origin, code, reason, eventId, attempts, delivery })
}
