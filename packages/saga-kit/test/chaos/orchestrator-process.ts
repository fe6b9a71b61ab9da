/**
 * One orchestrator process of the chaos run: `node --conditions=@faultline/source --import tsx
 * orchestrator-process.ts <dbUrl> <ownerId> <sagasToStart>`. With sagasToStart > 0 it also
 * (re)starts sagas c0..cN-1, idempotently, so a restarted process simply carries on.
 */
import pg from 'pg'
import { createOrchestrator, createPgQueueTransport } from '@faultline/saga-kit'
import { chaosData, chaosSaga } from './chaos-saga.js'

const [url = '', ownerId = 'orchestrator', toStart = '0'] = process.argv.slice(2)
const pool = new pg.Pool({ connectionString: url, max: 12 })
pool.on('error', () => {})
const transport = createPgQueueTransport({ db: pool, concurrency: 2 })
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
  for (let i = next++; i < Number(toStart); i = next++) {
    await orch.start('chaos-order', chaosData(i), { sagaId: `c${i}` })
  }
}
await Promise.all(Array.from({ length: 8 }, caller))
process.stdout.write('started-all\n')
