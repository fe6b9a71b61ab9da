import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { BusState, InvalidationBus, InvalidationMessage } from '@faultline/cache-kit'

/** Two buses on one channel, and a way to cut one's subscriber connection. */
export interface BusFixture {
  readonly a: InvalidationBus
  readonly b: InvalidationBus
  /** Drops `b`'s subscriber connection; the adapter is expected to reconnect on its own. */
  dropB(): Promise<void>
  close(): Promise<void>
}

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const started = Date.now()
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}

/** The InvalidationBus contract: every adapter must pass it. */
export function invalidationBusContract(name: string, make: () => Promise<BusFixture>): void {
  describe(`InvalidationBus contract: ${name}`, () => {
    let f: BusFixture
    const received: InvalidationMessage[] = []
    const states: BusState[] = []
    beforeAll(async () => {
      f = await make()
      await f.a.subscribe({ onMessage: () => {}, onState: () => {} })
      await f.b.subscribe({ onMessage: (m) => received.push(m), onState: (s) => states.push(s) })
    })
    afterAll(async () => {
      await f.close()
    })

    test('subscribe() reports up', () => {
      expect(f.b.state).toBe('up')
      expect(states.at(-1)).toBe('up')
    })

    test('a published message reaches the other subscriber intact and in order', async () => {
      received.length = 0
      const messages: InvalidationMessage[] = [
        { origin: 'a', keys: ['k1'], version: 3, lsn: '0/16B3748' },
        { origin: 'a', keys: ['k2', 'k3'], tags: ['t'] },
        { origin: 'a', keys: [] },
      ]
      for (const m of messages) await f.a.publish(m)
      await until(() => received.length === messages.length)
      expect(received).toStrictEqual(messages)
    })

    test('a dropped subscriber reports down, misses what is published meanwhile, then reports up again', async () => {
      received.length = 0
      states.length = 0
      await f.dropB()
      await until(() => states.includes('down'))
      await f.a.publish({ origin: 'a', keys: ['lost'] }).catch(() => undefined)
      await until(() => f.b.state === 'up')
      expect(received.map((m) => m.keys[0])).not.toContain('lost')
      await f.a.publish({ origin: 'a', keys: ['after'] })
      await until(() => received.some((m) => m.keys[0] === 'after'))
      expect(states).toStrictEqual(['down', 'up'])
    })
  })
}
