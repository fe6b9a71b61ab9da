import pg from 'pg'
import type { ClientConfig } from 'pg'
import { SyncKitError, describeError } from '../errors.js'
import { formatLsn } from '../lsn.js'
import { decodeFrame, encodeStatusUpdate, type ReplicationFrame } from './pgoutput.js'

/** The parts of pg's internal Connection the CopyBoth stream needs (not in @types/pg). */
interface RawConnection {
  on(event: 'copyData', listener: (msg: { chunk: Buffer }) => void): void
  sendCopyFromChunk(chunk: Buffer): void
  stream: { pause(): void; resume(): void }
}

/** What to stream and from where. */
export interface ReplicationStreamOptions {
  connection: ClientConfig
  slot: string
  publication: string
  /** 0 lets the server resume from the slot's confirmed flush LSN. */
  startLsn: bigint
  onFrame: (frame: ReplicationFrame) => void
  /** Called once when the stream ends for any reason after it started. */
  onClose: (error: SyncKitError | undefined) => void
}

const quoteIdent = (s: string): string => `"${s.replace(/"/g, '""')}"`
const quoteLiteral = (s: string): string => `'${s.replace(/'/g, "''")}'`

/** Postgres reports "replication slot ... is active for PID ..." with SQLSTATE 55006. */
export function isSlotInUse(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === '55006'
}

/**
 * A logical replication connection (`replication=database`) running `START_REPLICATION` with
 * pgoutput, speaking the CopyBoth sub-protocol over pg's connection.
 */
export class ReplicationStream {
  readonly #client: pg.Client
  readonly #opts: ReplicationStreamOptions
  #raw: RawConnection | undefined
  #closed = false

  constructor(options: ReplicationStreamOptions) {
    this.#opts = options
    this.#client = new pg.Client({ ...options.connection, replication: 'database' } as ClientConfig)
  }

  /** Connects and starts streaming; rejects (slot in use, bad publication, ...) if it cannot. */
  async start(): Promise<void> {
    const { slot, publication, startLsn } = this.#opts
    this.#client.on('error', (err) => this.#finish(translate(err, slot)))
    await this.#client.connect().catch((err: unknown) => {
      throw translate(err, slot)
    })
    const raw = (this.#client as unknown as { connection: RawConnection }).connection
    this.#raw = raw
    raw.on('copyData', (msg) => this.#onCopyData(msg.chunk))
    const sql =
      `START_REPLICATION SLOT ${quoteIdent(slot)} LOGICAL ${formatLsn(startLsn)} ` +
      `(proto_version '1', publication_names ${quoteLiteral(publication)}, messages 'true')`
    await new Promise<void>((resolve, reject) => {
      // The query only settles when streaming ends; CopyBothResponse means it began.
      ;(raw as unknown as { once(e: string, l: () => void): void }).once(
        'replicationStart',
        resolve,
      )
      this.#client.query(sql).then(
        () => this.#finish(undefined),
        (err: unknown) => {
          const e = translate(err, slot)
          reject(e)
          this.#finish(e)
        },
      )
    })
  }

  /** Reports `lsn` as written, flushed and applied. */
  sendStatus(lsn: bigint, replyRequested = false): void {
    if (this.#closed || !this.#raw) return
    this.#raw.sendCopyFromChunk(encodeStatusUpdate(lsn, Date.now(), replyRequested))
  }

  /** Stops reading from the socket (backpressure); the server buffers. */
  pause(): void {
    this.#raw?.stream.pause()
  }

  resume(): void {
    this.#raw?.stream.resume()
  }

  async close(): Promise<void> {
    this.#finish(undefined)
    await this.#client.end().catch(() => undefined)
  }

  #onCopyData(chunk: Buffer): void {
    try {
      this.#opts.onFrame(decodeFrame(chunk))
    } catch (err) {
      this.#finish(
        new SyncKitError('E_SYNC_REPLICATION', `replication stream: ${describeError(err)}`, {
          cause: err,
          retryable: true,
          context: { slot: this.#opts.slot },
        }),
      )
      void this.#client.end().catch(() => undefined)
    }
  }

  #finish(error: SyncKitError | undefined): void {
    if (this.#closed) return
    this.#closed = true
    this.#opts.onClose(error)
  }
}

/**
 * SQLSTATEs of START_REPLICATION that no reconnect fixes: 55000 (the slot was invalidated, e.g.
 * by `max_slot_wal_keep_size`: "can no longer get changes from replication slot") and 42704 (the
 * slot does not exist).
 */
const SLOT_UNUSABLE = new Set(['55000', '42704'])

/** A replication connection's error as the kit's, retryable unless the slot itself is unusable. */
export function translate(err: unknown, slot: string): SyncKitError {
  if (err instanceof SyncKitError) return err
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code === 'string' && SLOT_UNUSABLE.has(code)) {
    return new SyncKitError(
      'E_SYNC_REPLICATION',
      `replication slot "${slot}" cannot be streamed: ${describeError(err)}`,
      { cause: err, retryable: false, context: { slot } },
    )
  }
  if (isSlotInUse(err)) {
    return new SyncKitError(
      'E_SYNC_SLOT_IN_USE',
      `replication slot "${slot}" is in use by another connection (another relay?): ${describeError(err)}`,
      { cause: err, retryable: true, context: { slot } },
    )
  }
  return new SyncKitError(
    'E_SYNC_REPLICATION',
    `replication connection failed: ${describeError(err)}`,
    {
      cause: err,
      retryable: true,
      context: { slot },
    },
  )
}
