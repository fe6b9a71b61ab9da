import { expect, test } from 'vitest'
import type { SagaTx } from '../core/types.js'
import type { SagaMessage, SagaTransport } from '../ports.js'

/** What a contract run needs: the transport, and a way to run work in a transaction of its kind. */
export interface TransportFixture {
  readonly transport: SagaTransport
  /** Runs `fn` in a transaction; commits unless `fn` throws. */
  readonly inTx: (fn: (tx: SagaTx) => Promise<void>) => Promise<void>
}

const msg = (id: string): SagaMessage => ({
  id,
  key: 'k',
  type: 't',
  body: { n: id },
  headers: { traceparent: 'x' },
})
const until = async (check: () => boolean): Promise<void> => {
  const end = Date.now() + 10_000
  while (!check() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 10))
}

/**
 * The `SagaTransport` contract: transactional send, at-least-once delivery, redelivery on
 * rejection. Call it inside a vitest file with a fixture of the adapter under test:
 * `transportContract('my-transport', async () => ({ transport, inTx }))`.
 */
export function transportContract(name: string, make: () => Promise<TransportFixture>): void {
  test(`${name}: delivers what committed with body and headers intact, never what rolled back`, async () => {
    const { transport, inTx } = await make()
    const seen: SagaMessage[] = []
    const sub = await transport.subscribe('contract.a', (message) =>
      Promise.resolve(void seen.push(message)),
    )
    await inTx(async (tx) => transport.send(tx, 'contract.a', msg('committed')))
    await inTx(async (tx) => {
      await transport.send(tx, 'contract.a', msg('rolled-back'))
      throw new Error('abort')
    }).catch(() => {})
    await until(() => seen.length >= 1)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(seen.map((message) => message.id)).toEqual(['committed'])
    expect(seen[0]).toMatchObject({
      key: 'k',
      type: 't',
      body: { n: 'committed' },
      headers: { traceparent: 'x' },
    })
    await sub.close()
  })

  test(`${name}: a handler that rejects gets the message again`, async () => {
    const { transport, inTx } = await make()
    let calls = 0
    const sub = await transport.subscribe('contract.b', () =>
      ++calls === 1 ? Promise.reject(new Error('transient')) : Promise.resolve(),
    )
    await inTx(async (tx) => transport.send(tx, 'contract.b', msg('retry-me')))
    await until(() => calls >= 2)
    expect(calls).toBeGreaterThanOrEqual(2)
    await sub.close()
  })
}
