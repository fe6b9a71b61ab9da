import type { Pool } from 'pg'
import type { SagaTx } from './core/types.js'

/**
 * One message on the saga transport: a command, a reply, or a choreography event. The body is
 * JSON; saga fields are validated by the codec on receipt, never trusted.
 */
export interface SagaMessage {
  /** Unique per message; receivers may deduplicate on it. */
  readonly id: string
  /** Partition/ordering key, e.g. the saga id or the aggregate id. */
  readonly key: string
  /** Message type, e.g. `inventory.reserve` or `order.approved`. */
  readonly type: string
  readonly body: unknown
  /** String headers; W3C `traceparent` travels here. */
  readonly headers: Readonly<Record<string, string>>
}

/**
 * The transaction a transport receives a message in, when it has one (an inbox): the receipt
 * commits or rolls back with it. A handler whose database is `db` does its work in `tx`, so the
 * receipt, the effect and any reply commit together, in one commit; other handlers ignore it.
 */
export interface Delivery {
  readonly db: Pool
  readonly tx: SagaTx
}

/**
 * Called for each delivered message; a rejection means "deliver it again later" (and rolls back
 * `delivery.tx`, when there is one).
 */
export type MessageHandler = (message: SagaMessage, delivery?: Delivery) => Promise<void>

/** A live subscription; `close()` stops delivery. */
export interface Subscription {
  close(): Promise<void>
}

/**
 * The port through which commands, replies and events travel.
 *
 * Guarantees an adapter must keep:
 * - `send` is transactional: the message is delivered if and only if `tx` commits (an outbox).
 * - Delivery is at-least-once: duplicates and reordering are allowed, loss is not (the memory
 *   adapter is the exception: it loses undelivered messages when the process dies).
 * - A handler that rejects gets the message again later.
 */
export interface SagaTransport {
  send(tx: SagaTx, channel: string, message: SagaMessage): Promise<void>
  subscribe(channel: string, handler: MessageHandler): Promise<Subscription>
}
