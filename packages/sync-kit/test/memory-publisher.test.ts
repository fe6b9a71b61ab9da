import { describe, expect, test } from 'vitest'
import { createMemoryPublisher, encodeEnvelope, isSyncKitError, uuidv7 } from '@faultline/sync-kit'
import { eventPublisherContract } from '@faultline/sync-kit/testing'

let topics = 0
let last = createMemoryPublisher()

describe('MemoryPublisher', () => {
  eventPublisherContract('memory', {
    create: () => Promise.resolve((last = createMemoryPublisher())),
    freshTopic: () => Promise.resolve(`t${++topics}`),
    read: (topic) => Promise.resolve([...last.messages(topic)]),
  })

  test('a refused message fails the later messages of the same key, not other keys', async () => {
    const p = createMemoryPublisher({ shouldFail: (m) => m.headers.fail === 'yes' })
    const msg = (key: string, fail = false) => ({
      topic: 't',
      ...encodeEnvelope({
        id: uuidv7(),
        aggregateType: 'a',
        aggregateId: key,
        type: 'x',
        schemaVersion: 1,
        sequence: 1,
        payload: null,
        headers: fail ? { fail: 'yes' } : {},
        occurredAt: new Date().toISOString(),
      }),
    })
    const r = await p.publish([msg('a'), msg('b', true), msg('a'), msg('b'), msg('c')])
    expect(r.map((x) => x.ok)).toEqual([true, false, true, false, true])
    const failed = r[1]!
    expect(!failed.ok && isSyncKitError(failed.error, 'E_SYNC_PUBLISH_FAILED')).toBe(true)
    expect(!failed.ok && failed.error.retryable).toBe(true)
    expect(p.messages('t').map((m) => m.key)).toEqual(['a', 'a', 'c'])
  })
})
