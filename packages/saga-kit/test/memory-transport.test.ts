import { describe, expect, test } from 'vitest'
import { createMemoryTransport, type SagaTx, type SagaMessage } from '@faultline/saga-kit'
import { transportContract } from '@faultline/saga-kit/testing'

function fakeTx(): SagaTx & { commit(): void } {
  const hooks: (() => void)[] = []
  return {
    client: undefined as never,
    afterCommit: (fn) => hooks.push(fn),
    commit: () => hooks.forEach((handler) => handler()),
  }
}
const msg = (id: string): SagaMessage => ({ id, key: 'k', type: 't', body: {}, headers: {} })

describe('MemoryTransport', () => {
  test('delivers only what committed, redelivers after a rejection, and duplicates on request', async () => {
    const timer = createMemoryTransport({ redeliveryDelayMs: 1 })
    const seen: string[] = []
    let fail = 1
    await timer.subscribe('c', (message) => {
      if (message.id === 'b' && fail-- > 0) return Promise.reject(new Error('transient'))
      seen.push(message.id)
      return Promise.resolve()
    })
    const committed = fakeTx()
    await timer.send(committed, 'c', msg('a'))
    await timer.send(committed, 'c', msg('b'))
    await timer.send(fakeTx(), 'c', msg('rolled-back'))
    committed.commit()
    await timer.idle()
    expect(seen.sort()).toEqual(['a', 'b'])

    const dup = createMemoryTransport({ duplicateRate: 1 })
    const got: string[] = []
    await dup.subscribe('c', (message) => Promise.resolve(void got.push(message.id)))
    dup.publish('c', msg('x'))
    await dup.idle()
    expect(got).toEqual(['x', 'x'])
  })
})

describe('MemoryTransport contract', () => {
  transportContract('memory', () => {
    const transport = createMemoryTransport({ redeliveryDelayMs: 1 })
    const inTx = async (fn: (tx: SagaTx) => Promise<void>): Promise<void> => {
      const tx = fakeTx()
      await fn(tx)
      tx.commit()
    }
    return Promise.resolve({ transport, inTx })
  })
})
