import { connect } from 'node:net'
import amqp from 'amqplib'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createRabbitMqPublisher } from '@faultline/sync-kit/rabbitmq'
import { eventPublisherContract } from '@faultline/sync-kit/testing'

/** The one pre-started service tests may use: RabbitMQ on 127.0.0.1:5672 (see the rules). */
const URL = 'amqp://guest:guest@127.0.0.1:5672'

function reachable(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port: 5672 })
    s.setTimeout(1000)
    s.once('connect', () => (s.destroy(), resolve(true)))
    s.once('error', () => resolve(false))
    s.once('timeout', () => (s.destroy(), resolve(false)))
  })
}

const up = await reachable()
if (!up) {
  console.log('[sync-kit] RabbitMQ adapter tests SKIPPED: nothing listens on 127.0.0.1:5672')
}

const exchange = `sync-kit.test.${process.pid}`
let conn: amqp.ChannelModel | undefined
let ch: amqp.Channel | undefined
let n = 0

beforeAll(async () => {
  if (!up) return
  conn = await amqp.connect(URL)
  ch = await conn.createChannel()
  await ch.assertExchange(exchange, 'topic', { durable: true })
})

afterAll(async () => {
  await ch?.deleteExchange(exchange).catch(() => undefined)
  await conn?.close().catch(() => undefined)
})

describe.skipIf(!up)('RabbitMqPublisher (RabbitMQ on 127.0.0.1:5672)', () => {
  eventPublisherContract('rabbitmq', {
    create: () => Promise.resolve(createRabbitMqPublisher({ url: URL, exchange })),
    freshTopic: async () => {
      const topic = `contract.${process.pid}.${++n}`
      await ch!.assertQueue(topic, { durable: false, autoDelete: false })
      await ch!.bindQueue(topic, exchange, topic)
      return topic
    },
    read: async (topic, count) => {
      const out: { key: string; value: Buffer; headers: Record<string, string> }[] = []
      const deadline = Date.now() + 10_000
      while (out.length < count) {
        const m = await ch!.get(topic, { noAck: true })
        if (m === false) {
          if (Date.now() > deadline) {
            throw new Error(`queue ${topic}: ${out.length} of ${count} messages within 10 s`)
          }
          await new Promise((r) => setTimeout(r, 20))
          continue
        }
        const headers = m.properties.headers as Record<string, string>
        out.push({ key: headers['fl-key'] ?? '', value: m.content, headers })
      }
      await ch!.deleteQueue(topic)
      return out
    },
  })

  test('a message no queue is bound for is reported as failed, not confirmed into the void', async () => {
    const publisher = createRabbitMqPublisher({ url: URL, exchange })
    const r = await publisher.publish([
      { topic: `unbound.${process.pid}`, key: 'k', value: Buffer.from('{}'), headers: {} },
    ])
    await publisher.close()
    expect(r[0]!.ok).toBe(false)
  })
})
