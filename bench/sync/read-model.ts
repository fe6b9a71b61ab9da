import pg from 'pg'
import { WorkerChannel } from './worker.js'
import type { ReadModelTask } from './read-model-worker.js'

/** A read model fed from one topic by a projection runner in its own thread and database. */
export class ReadModel {
  readonly #channel: WorkerChannel
  readonly #pool: pg.Pool
  readonly #table: string

  private constructor(task: ReadModelTask) {
    this.#channel = new WorkerChannel('./read-model-worker.ts', task)
    this.#pool = new pg.Pool({ connectionString: task.url, max: 2 })
    this.#table = task.name
  }

  /** Starts the consumer (joined and positioned at the topic's start) before load begins. */
  static async start(task: ReadModelTask): Promise<ReadModel> {
    const model = new ReadModel(task)
    await model.#channel.ask('start')
    return model
  }

  /** Events applied so far whose aggregate id starts with `prefix` (one load step's). */
  async applied(prefix: string): Promise<number> {
    const r = await this.#pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${this.#table} WHERE starts_with(aggregate_id, $1)`,
      [prefix],
    )
    return Number(r.rows[0]?.n ?? 0)
  }

  /** Event id → commit time (ms since epoch) of the transaction that applied it, for `prefix`. */
  async appliedTimes(prefix: string): Promise<Map<string, number>> {
    const r = await this.#pool.query<{ id: string; t: number }>(
      `SELECT event_id::text AS id,
              (extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1000)::float8 AS t
         FROM ${this.#table} WHERE starts_with(aggregate_id, $1)`,
      [prefix],
    )
    return new Map(r.rows.map((x) => [x.id, x.t]))
  }

  async stop(): Promise<void> {
    await this.#channel.ask('stop')
    await this.#channel.close()
    await this.#pool.end()
  }
}
