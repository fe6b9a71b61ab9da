/**
 * One orchestrator process of the chaos run: `node --conditions=@faultline/source --import tsx
 * orchestrator-process.ts <dbUrl> <ownerId> <sagasToStart> <transport>`, where transport is
 * `pg-queue` or `kafka:<broker,...>` (see transports.ts). With sagasToStart > 0 it also
 * (re)starts sagas c0..cN-1, idempotently, so a restarted process simply carries on. Prints
 * `ready` once its reply consumer listens (over Kafka: has joined the consumer group).
 */
import pg from 'pg'
import { createOrchestrator } from '@faultline/saga-kit'
import { chaosData, chaosSaga } from './chaos-saga.js'
import { chaosTransport } from './transports.js'

const [url = '', ownerId = 'orchestrator', toStart = '0', spec = 'pg-queue'] = process.argv.slice(2)
const pool = new pg.Pool({ connectionString: url, max: 12 })
pool.on('error', () => {})
const { transport } = chaosTransport(spec, pool, 'orchestrator')
const orch = createOrchestrator({
  db: pool,
  sagas: [chaosSaga()],
  transport,
  ownerId,
  leaseMs: 1_500,
  pollIntervalMs: 50,
  concurrency: 3,
})
await orch.listen()
process.stdout.write('ready\n')
// Eight callers at once, like a service taking orders concurrently.
let next = 0
const caller = async (): Promise<void> => {
  for (let index = next++; index < Number(toStart); index = next++) {
    await orch.start('chaos-order', chaosData(index), { sagaId: `c${index}` })
  }
}
await Promise.all(Array.from({ length: 8 }, caller))
process.stdout.write('started-all\n')
