/** Worker thread entry: runs one writer task from bench/sync/load.ts and posts its result. */
import { parentPort, workerData } from 'node:worker_threads'
import pg from 'pg'
import { paced, prefill, type Aggregates } from './load.js'

/** What a writer worker is asked to do. */
export type WriterTask = (
  { kind: 'prefill'; total: number } | { kind: 'paced'; rate: number; seconds: number }
) & { url: string; perTx: number; first: number; aggregates?: Aggregates }

const task = workerData as WriterTask
// Pipelined connections: load.ts sends a transaction's statements without waiting in between.
const pool = new pg.Pool({ connectionString: task.url, max: 40, pipeline: true })
const result =
  task.kind === 'prefill'
    ? await prefill(pool, task.total, task.perTx, 4, task.first, task.aggregates)
    : await paced(pool, task.rate, task.seconds, task.perTx, 32, task.first, task.aggregates)
await pool.end()
parentPort?.postMessage(result)
