/**
 * The messaging-mode participants (inventory and payments) and the saga transport they and the
 * orchestrator use, shared by the in-process setup and the participant process.
 */
import type pg from 'pg'
import type { Kafka } from 'kafkajs'
import { createPostgresConsumerStore, type EventPublisher } from '@faultline/sync-kit'
import { createKafkaEventConsumer } from '@faultline/sync-kit/kafka'
import { createParticipant, defineParticipant, type Participant } from '@faultline/saga-kit'
import { createSyncKitTransport, type SyncKitTransport } from '@faultline/saga-kit/sync-kit'

/**
 * The sync-kit transport on `pool`: each message is handled in its inbox transaction. Its
 * consumers are made from `kafka` when given (a client whose requests are counted).
 */
export function benchTransport(
  pool: pg.Pool,
  brokers: string[],
  deadLetters: EventPublisher,
  kafka?: Kafka,
): SyncKitTransport {
  return createSyncKitTransport({
    store: createPostgresConsumerStore({ pool }),
    db: pool,
    eventConsumer: () =>
      createKafkaEventConsumer({
        ...(kafka === undefined ? { brokers } : { kafka }),
        partitionsConsumedConcurrently: 4,
      }),
    deadLetters,
  })
}

/** Inventory and payments, listening. */
export async function startBenchParticipants(
  pool: pg.Pool,
  transport: SyncKitTransport,
): Promise<Participant[]> {
  const participants = [
    defineParticipant('inventory', {
      'inventory.reserve': async ({ tx }) =>
        void (await tx.client.query('UPDATE stock SET qty = qty - 1')),
      'inventory.release': async ({ tx }) =>
        void (await tx.client.query('UPDATE stock SET qty = qty + 1')),
    }),
    defineParticipant('payments', {
      'payments.charge': async ({ tx, idempotencyKey }) =>
        void (await tx.client.query('INSERT INTO payment VALUES ($1, 10)', [idempotencyKey])),
      'payments.refund': async ({ tx, idempotencyKey }) =>
        void (await tx.client.query('DELETE FROM payment WHERE key = $1', [idempotencyKey])),
    }),
  ].map((definition) => createParticipant({ db: pool, transport, definition }))
  for (const p of participants) await p.listen()
  return participants
}
