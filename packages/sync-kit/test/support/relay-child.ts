/**
 * A relay in its own process, so tests can SIGKILL it for real. Started as
 * `node --import tsx relay-child.ts '<json config>'`; prints READY once streaming,
 * RECEIVED <n> as events arrive and, with `reportStatuses`, STATUS <n> as it reports its
 * position to Postgres.
 */
import { createLogicalRelay, type EventPublisher } from '../../src/index.js'
import { createKafkaPublisher } from '../../src/kafka.js'
// Not from ./testing: that entry loads vitest, which a plain child process cannot.
import { withFaultHook } from '../../src/relay/faults.js'

interface ChildConfig {
  url: string
  brokers: string[]
  slot: string
  publication: string
  topic: string
  /** Use the hazardous ack-on-receipt mode. */
  unsafe?: boolean
  /** After this many events reached Kafka, later publishes never get an ack (hang). */
  stallPublishAfter?: number
  /** Print STATUS <n> at each status update sent to Postgres. */
  reportStatuses?: boolean
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as ChildConfig
const kafka = createKafkaPublisher({ brokers: cfg.brokers })
let passed = 0
const publisher: EventPublisher = {
  publish: async (messages) => {
    if (cfg.stallPublishAfter !== undefined && passed >= cfg.stallPublishAfter) {
      return new Promise(() => undefined) // the broker never acknowledges
    }
    const r = await kafka.publish(messages)
    passed += r.filter((x) => x.ok).length
    process.stdout.write(`PUBLISHED ${passed}\n`)
    return r
  },
  close: () => kafka.close(),
}
let received = 0
let statuses = 0
const relay = createLogicalRelay(
  withFaultHook(
    {
      connection: cfg.url,
      publisher,
      slot: cfg.slot,
      publication: cfg.publication,
      topic: () => cfg.topic,
      statusIntervalMs: 100,
      slotWaitMs: 20_000,
      unsafeAckOnReceipt: cfg.unsafe === true,
    },
    (point, info) => {
      if (point === 'relay:before-ack' && cfg.reportStatuses === true)
        process.stdout.write(`STATUS ${++statuses}\n`)
      if (point !== 'relay:received') return
      received += info.events
      process.stdout.write(`RECEIVED ${received}\n`)
    },
  ),
)
await relay.start()
process.stdout.write('READY\n')
