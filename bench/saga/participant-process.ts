/**
 * The messaging-mode participants in a process of their own, as the separate services they are
 * in a real deployment: `node --conditions=@faultline/source --import tsx participant-process.ts
 * <dbUrl> <broker,...>`. Prints `ready` once listening; SIGTERM closes and exits.
 */
import pg from 'pg'
import { createKafkaPublisher } from '@faultline/sync-kit/kafka'
import { benchTransport, startBenchParticipants } from './participants.js'

const [url = '', brokers = ''] = process.argv.slice(2)
const pool = new pg.Pool({ connectionString: url, max: 20 })
pool.on('error', () => {})
const publisher = createKafkaPublisher({ brokers: brokers.split(',') })
const participants = await startBenchParticipants(
  pool,
  benchTransport(pool, brokers.split(','), publisher),
)
process.stdout.write('ready\n')
process.on('SIGTERM', () => {
  void (async () => {
    for (const p of participants) await p.close()
    await publisher.close()
    await pool.end()
    process.exit(0)
  })()
})
