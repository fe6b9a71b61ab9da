/**
 * The outbox relay of a Kafka chaos run, in a process of its own so that the test can SIGKILL
 * it too: `node --conditions=@faultline/source --import tsx relay-process.ts <dbUrl>
 * <broker,...>`. Relay A (logical replication) resumes from its slot's acknowledged LSN, so a
 * kill loses nothing and republishes what was in flight. Prints `ready` once it streams.
 */
import { createLogicalRelay } from '@faultline/sync-kit'
import { createKafkaPublisher } from '@faultline/sync-kit/kafka'

const [url = '', brokers = ''] = process.argv.slice(2)
const publisher = createKafkaPublisher({ brokers: brokers.split(',') })
// A killed predecessor's walsender can outlive it briefly; wait for the slot rather than fail.
const relay = createLogicalRelay({ connection: url, publisher, slotWaitMs: 15_000 })
await relay.start()
process.stdout.write('ready\n')
