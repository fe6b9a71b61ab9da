import type { JsonValue } from '../envelope.js'
import { SyncKitError } from '../errors.js'
import type { EventPublisher } from '../ports.js'
import { createConsumer, type Consumer } from '../consumer/consumer.js'
import type { ConsumerOptions, EventHandler } from '../consumer/options.js'
import type { EventConsumer, PartitionOffset, ProjectionStore } from '../consumer/ports.js'
import { compareRows, digestRows, type ChecksumResult } from './checksum.js'
import type { Projection } from './define.js'

/** Consumer tunables a projection passes through (see {@link ConsumerOptions}). */
export type ProjectionConsumerOptions<Tx> = Partial<
  Pick<
    ConsumerOptions<Tx>,
    | 'upcasters'
    | 'gapPolicy'
    | 'gapAlarmMs'
    | 'maxAttempts'
    | 'backoffBaseMs'
    | 'backoffMaxMs'
    | 'maxBatchSize'
    | 'chunkTargetMs'
    | 'clock'
    | 'sleep'
    | 'logger'
    | 'onEvent'
    | 'deadLetterTopic'
  >
>

/** Options for {@link createProjectionRunner}. */
export interface ProjectionRunnerOptions<Tx> {
  readonly projection: Projection<Tx>
  /** The projection's own database: its table, inbox and positions live here. */
  readonly db: ProjectionStore<Tx>
  readonly topics: readonly string[]
  /** Makes a new broker consumer client: one for the live consumer, one per rebuild. */
  readonly connect: () => EventConsumer
  readonly deadLetters: EventPublisher
  /** @default `projection.<name>` */
  readonly groupId?: string
  readonly consumer?: ProjectionConsumerOptions<Tx>
  /** How long `rebuild()` may take to catch up before it gives up. @default 600_000 */
  readonly rebuildTimeoutMs?: number
  /** How often `rebuild()` checks its progress. @default 20 */
  readonly pollMs?: number
}

/** What {@link ProjectionRunner.rebuild} did. */
export interface RebuildResult {
  /** Rows in the read model right after the swap. */
  readonly rows: number
  /** Offsets the replay reached before the swap. */
  readonly replayedTo: readonly PartitionOffset[]
}

/**
 * Keeps one projection's read model: a live consumer applying events into `projection.table`,
 * plus `rebuild()` and `checksum()`. The inbox namespace is `projection:<name>`.
 */
export class ProjectionRunner<Tx> {
  readonly #options: ProjectionRunnerOptions<Tx>
  readonly #projection: Projection<Tx>
  readonly #groupId: string
  readonly #namespace: string
  readonly #lock: string
  #live: Consumer<Tx> | undefined
  #rebuilding = false

  constructor(options: ProjectionRunnerOptions<Tx>) {
    this.#options = options
    this.#projection = options.projection
    this.#groupId = options.groupId ?? `projection.${this.#projection.name}`
    this.#namespace = `projection:${this.#projection.name}`
    this.#lock = `sync-kit:projection:${this.#projection.name}`
  }

  /** The live consumer (lag, metrics, held-back events); undefined before `start()`. */
  get consumer(): Consumer<Tx> | undefined {
    return this.#live
  }

  /** Creates the table if needed and starts the live consumer. */
  async start(): Promise<void> {
    await this.#options.db.transaction((tx) =>
      this.#projection.createTable(tx, this.#projection.table),
    )
    this.#live = this.#consumer(
      this.#groupId,
      this.#namespace,
      this.#projection.table,
      this.#options.connect(),
      true,
    )
    await this.#live.start()
  }

  async stop(): Promise<void> {
    await this.#live?.stop()
    this.#live = undefined
  }

  /**
   * Replays the topics from the earliest offset into a fresh table, then swaps it in atomically.
   * While live applies are paused (an exclusive lock that every live transaction takes shared),
   * the replay catches up to the end offsets read under that lock, so it holds every event the
   * live table holds; the swap renames the table and hands the replay's inbox and positions to
   * the live consumer in one transaction, so no event is lost or applied twice afterwards.
   */
  async rebuild(): Promise<RebuildResult> {
    if (this.#rebuilding)
      throw new SyncKitError('E_SYNC_INVALID_OPTION', 'a rebuild is already running', {
        context: { projection: this.#projection.name },
      })
    this.#rebuilding = true
    const id = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`
    const fresh = `${this.#projection.table}__rb_${id}`
    const namespace = `${this.#namespace}:rebuild:${id}`
    const transport = this.#options.connect()
    const replay = this.#consumer(
      `${this.#groupId}.rebuild.${id}`,
      namespace,
      fresh,
      transport,
      false,
    )
    const { db } = this.#options
    try {
      await db.transaction((tx) => this.#projection.createTable(tx, fresh))
      await replay.start()
      await this.#catchUp(replay, await transport.endOffsets(this.#options.topics))
      return await db.exclusive(this.#lock, async () => {
        const replayedTo = await transport.endOffsets(this.#options.topics)
        await this.#catchUp(replay, replayedTo)
        await replay.stop()
        await db.transaction(async (tx) => {
          await db.swapTables(tx, this.#projection.table, fresh)
          await db.moveNamespace(tx, namespace, this.#namespace)
        })
        const rows = await db.transaction((tx) => this.#projection.rows(tx, this.#projection.table))
        return { rows: rows.length, replayedTo }
      })
    } catch (err) {
      await replay.stop().catch(() => undefined)
      await db.transaction((tx) => db.dropTable(tx, fresh)).catch(() => undefined)
      throw err
    } finally {
      this.#rebuilding = false
    }
  }

  /**
   * Digests the read model; with `source` (the rows its source database implies, in the same
   * shape as `projection.rows`), also compares them.
   */
  async checksum(source?: () => Promise<readonly JsonValue[]>): Promise<ChecksumResult> {
    const rows = await this.#options.db.transaction((tx) =>
      this.#projection.rows(tx, this.#projection.table),
    )
    if (source === undefined) return { readModel: digestRows(rows) }
    return compareRows(rows, await source())
  }

  /** Like {@link checksum}, but throws `E_SYNC_CHECKSUM_MISMATCH` when the two differ. */
  async verify(source: () => Promise<readonly JsonValue[]>): Promise<ChecksumResult> {
    const result = await this.checksum(source)
    if (result.equal === true) return result
    throw new SyncKitError(
      'E_SYNC_CHECKSUM_MISMATCH',
      `read model ${this.#projection.table} (${result.readModel.count} rows) differs from its source ` +
        `(${result.source?.count ?? 0} rows)`,
      { context: { projection: this.#projection.name } },
    )
  }

  async #catchUp(replay: Consumer<Tx>, targets: readonly PartitionOffset[]): Promise<void> {
    const timeoutMs = this.#options.rebuildTimeoutMs ?? 600_000
    const deadline = Date.now() + timeoutMs
    while (!replay.caughtUp(targets)) {
      if (Date.now() > deadline) {
        throw new SyncKitError(
          'E_SYNC_TIMEOUT',
          `rebuild did not catch up within ${timeoutMs} ms`,
          {
            context: { projection: this.#projection.name },
          },
        )
      }
      await new Promise((r) => setTimeout(r, this.#options.pollMs ?? 20))
    }
  }

  #consumer(
    groupId: string,
    namespace: string,
    table: string,
    transport: EventConsumer,
    live: boolean,
  ) {
    const apply: EventHandler<Tx> = (tx, event) => this.#projection.apply(tx, event, { table })
    return createConsumer<Tx>({
      ...this.#options.consumer,
      groupId,
      namespace,
      topics: this.#options.topics,
      handlers: Object.fromEntries(this.#projection.handles.map((t) => [t, apply])),
      unhandledTypes: 'ignore',
      consumer: transport,
      db: this.#options.db,
      deadLetters: this.#options.deadLetters,
      deadLetterTopic: this.#options.consumer?.deadLetterTopic ?? `${this.#groupId}.dlq`,
      fromBeginning: true,
      ...(live ? { sharedLock: this.#lock } : {}),
    })
  }
}

/** Creates the runner of one projection; call `start()` to begin applying events. */
export function createProjectionRunner<Tx>(
  options: ProjectionRunnerOptions<Tx>,
): ProjectionRunner<Tx> {
  return new ProjectionRunner(options)
}
