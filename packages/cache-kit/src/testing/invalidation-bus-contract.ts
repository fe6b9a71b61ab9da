import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { BusState, InvalidationBus, InvalidationMessage } from '../ports.js'

/**
 * Two buses on one channel, and a way to cut one's subscriber connection: what
 * {@link invalidationBusContract}'s factory returns.
 */
export interface BusFixture {
  readonly a: InvalidationBus
  readonly b: InvalidationBus
  /** Drops `b`'s subscriber connection; the adapter is expected to reconnect on its own. */
  dropB(): Promise<void>
  close(): Promise<void>
}

/**
 * Waits for `check` to hold. The bound only turns a hang into a failure: it is generous, so a
 * busy machine delays the suite but does not fail it.
 */
async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const started = performance.now()
  while (!check()) {
    if (performance.now() - started > timeoutMs)
      throw new Error(`${what}: not within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/**
 * The `InvalidationBus` contract: delivery, order, and honest `up`/`down` reporting around a
 * dropped connection. Every adapter must pass it. Call it at the top level of a vitest test file;
 * `make` is called once, before the suite.
 */
export function invalidationBusContract(name: string, make: () => Promise<BusFixture>): void {
  describe(`InvalidationBus contract: ${name}`, () => {
    let fixture: BusFixture
    const received: InvalidationMessage[] = []
    const states: BusState[] = []
    beforeAll(async () => {
      fixture = await make()
      await fixture.a.subscribe({ onMessage: () => {}, onState: () => {} })
      await fixture.b.subscribe({
        onMessage: (message) => received.push(message),
        onState: (state) => states.push(state),
      })
    })
    afterAll(async () => {
      await fixture.close()
    })

    test('subscribe() reports up', () => {
      expect(fixture.b.state).toBe('up')
      expect(states.at(-1)).toBe('up')
    })

    test('a published message reaches the other subscriber intact and in order', async () => {
      received.length = 0
      const messages: InvalidationMessage[] = [
        { origin: 'a', keys: ['k1'], version: 3, lsn: '0/16B3748' },
        { origin: 'a', keys: ['k2', 'k3'], tags: ['t'] },
        { origin: 'a', keys: [] },
      ]
      for (const message of messages) await fixture.a.publish(message)
      await until('every message delivered', () => received.length === messages.length)
      expect(received).toStrictEqual(messages)
    })

    test('a dropped subscriber reports down, misses what is published meanwhile, then reports up again', async () => {
      received.length = 0
      states.length = 0
      await fixture.dropB()
      await until('the dropped subscriber reports down', () => states.includes('down'))
      await fixture.a.publish({ origin: 'a', keys: ['lost'] }).catch(() => undefined)
      await until('the subscriber reconnects', () => fixture.b.state === 'up')
      expect(received.map((message) => message.keys[0])).not.toContain('lost')
      await fixture.a.publish({ origin: 'a', keys: ['after'] })
      await until('a message after the reconnect arrives', () =>
        received.some((message) => message.keys[0] === 'after'),
      )
      expect(states).toStrictEqual(['down', 'up'])
    })
  })
}
