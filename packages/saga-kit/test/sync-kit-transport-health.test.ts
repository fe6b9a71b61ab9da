import { describe, expect, test } from 'vitest'
import {
  SyncKitError,
  createMemoryBroker,
  createMemoryConsumerStore,
  encodeEnvelope,
  uuidv7,
  type ConsumerStore,
} from '@faultline/sync-kit'
import { createSyncKitTransport, SAGA_EVENT_TYPE } from '@faultline/saga-kit/sync-kit'
import type { Logger, SagaMessage } from '@faultline/saga-kit'

/** A memory consumer store whose database can be switched off, as a Postgres store would fail. */
function switchableStore(): {
  store: ConsumerStore<unknown>
  setDown: (down: boolean) => void
} {
  const inner = createMemoryConsumerStore() as unknown as Record<string, unknown>
  let down = false
  const store = new Proxy(inner, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver)
      if (typeof value !== 'function') return value
      const method = value as (...args: unknown[]) => unknown
      return (...args: unknown[]) => {
        if (down && (name === 'transaction' || name === 'chunkTransaction')) {
          const refused = new SyncKitError('E_SYNC_DATABASE', 'cannot connect: ECONNREFUSED', {
            retryable: true,
          })
          return Promise.reject(refused)
        }
        return method.apply(target, args)
      }
    },
  })
  return {
    store: store as unknown as ConsumerStore<unknown>,
    setDown: (value) => {
      down = value
    },
  }
}

function recordingLogger(): { logger: Logger; lines: { level: string; message: string }[] } {
  const lines: { level: string; message: string }[] = []
  const at =
    (level: string) =>
    (fields: Record<string, unknown> | string, message?: string): void =>
      void lines.push({ level, message: typeof fields === 'string' ? fields : (message ?? '') })
  return {
    logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
    lines,
  }
}

async function waitUntil(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

describe('SyncKitTransport health', () => {
  test('a store outage sync-kit waits out is one warning and reachable: false; the next applied message is recovery', async () => {
    const broker = createMemoryBroker()
    const { store, setDown } = switchableStore()
    const { logger, lines } = recordingLogger()
    const transport = createSyncKitTransport({
      store: store as ConsumerStore<never>,
      eventConsumer: () => broker.consumer(),
      deadLetters: broker,
      logger,
    })
    const received: SagaMessage[] = []
    const publish = async (sequence: number) => {
      const message: SagaMessage = { id: uuidv7(), key: 'saga-1', type: 't', body: {}, headers: {} }
      const envelope = {
        id: uuidv7(),
        aggregateType: 'saga.replies',
        aggregateId: 'saga-1',
        type: SAGA_EVENT_TYPE,
        schemaVersion: 1,
        sequence,
        payload: message as unknown as Record<string, string>,
        headers: {},
        occurredAt: new Date(0).toISOString(),
      }
      await broker.publish([{ topic: 'outbox.event.saga.replies', ...encodeEnvelope(envelope) }])
    }
    const subscription = await transport.subscribe('saga.replies', (message) => {
      received.push(message)
      return Promise.resolve()
    })
    await publish(1)
    await waitUntil('the first message', () => received.length === 1)
    expect(transport.metrics().database.reachable).toBe(true)

    setDown(true)
    await publish(2)
    await waitUntil('the outage to show', () => transport.metrics().database.reachable === false)
    expect(transport.metrics().database.lastError).toMatch(/ECONNREFUSED/)
    setDown(false)
    await waitUntil('the held message', () => received.length === 2)
    expect(transport.metrics().database.reachable).toBe(true)
    await subscription.close()

    const warnings = lines.filter((line) => line.level === 'warn')
    expect(warnings.map((line) => line.message)).toEqual([
      expect.stringMatching(/sync-kit transport: cannot reach the database at \(unknown host\)/),
    ])
    expect(lines.filter((line) => line.level === 'info').map((line) => line.message)).toContain(
      'saga-kit sync-kit transport: the database at (unknown host) answers again',
    )
  })
})
