import pg, { type Pool, type PoolClient } from 'pg'
import type { SagaTx } from '../core/types.js'
import { SagaKitError } from '../errors.js'
import { guardClient } from './client-guard.js'

function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL'
  if (typeof value === 'string') return pg.escapeLiteral(value)
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  throw new SagaKitError('E_SAGA_STORE', `Cannot write a ${typeof value} as an SQL literal.`)
}

/**
 * `text` with its `$n` placeholders replaced by escaped literals (strings, finite numbers,
 * booleans, null), for the simple query protocol, which carries several statements in one round
 * trip where a parameterised query carries one. For saga-kit's own statements only.
 */
export function inline(text: string, params: readonly unknown[]): string {
  return text.replace(/\$(\d+)/g, (_, position: string) => literal(params[Number(position) - 1]))
}

/** A {@link SagaTx} over a client the caller has put in a transaction. */
export class ClientTx implements SagaTx {
  readonly #hooks: (() => void)[] = []
  /** Writes not sent yet, in order (literals only, see {@link inline}). */
  #held: string[] = []
  /** A {@link writeLast} text is among `held`. */
  #final = false

  readonly #mergeCommit: boolean
  /**
   * @param mergeCommit - the transaction's final write ({@link writeLast}) may be held back and
   *   sent with COMMIT: only for saga-kit's own transactions, whose work issues nothing after it.
   * @param defers - {@link defer} may hold writes back: only where whoever created this object
   *   sends them before the transaction commits ({@link flush} or {@link commitText}).
   */
  constructor(
    readonly client: PoolClient,
    mergeCommit = false,
    readonly defers = mergeCommit,
  ) {
    this.#mergeCommit = mergeCommit
  }

  afterCommit(fn: () => void): void {
    this.#hooks.push(fn)
  }

  /**
   * Queues a write that nothing in the transaction reads back (an outbox row, an inbox entry)
   * to travel with the transaction's next {@link writeLast}, {@link flush} or COMMIT instead of
   * costing a round trip of its own. Only when {@link defers}; else it runs now.
   */
  async defer(text: string): Promise<void> {
    if (!this.defers) {
      await this.client.query(text)
      return
    }
    this.#held.push(text)
  }

  /**
   * Runs the transaction's final write (statements with literals only, see {@link inline}),
   * with the writes deferred before it: now, or, when the transaction merges its commit, in the
   * COMMIT's round trip (a failure there fails the commit, so nothing is half-written either way).
   */
  async writeLast(text: string): Promise<void> {
    if (this.#final) await this.flush() // an earlier "final" write was not the last one
    this.#held.push(text)
    this.#final = true
    if (!this.#mergeCommit) await this.flush()
  }

  /** Sends the held-back writes now, in one round trip (none when nothing is held). */
  async flush(): Promise<void> {
    if (this.#held.length === 0) return
    const text = this.#take()
    await this.client.query(text)
  }

  /** The COMMIT to send, preceded by the held-back writes. */
  commitText(): string {
    this.#held.push('COMMIT')
    return this.#take()
  }

  #take(): string {
    const text = this.#held.join(';\n')
    this.#held = []
    this.#final = false
    return text
  }

  /** Runs the hooks; call only after COMMIT succeeded. A throwing hook does not stop the others. */
  runHooks(onError: (error: unknown) => void): void {
    for (const hook of this.#hooks.splice(0)) {
      try {
        hook()
      } catch (error) {
        onError(error)
      }
    }
  }
}

/**
 * Runs `fn` in a transaction on a pooled client; commits, then runs after-commit hooks.
 * `defers`: `fn`'s {@link ClientTx.defer}red writes go with COMMIT; only for saga-kit's own
 * work, where no caller code rolls back to a savepoint past a deferred write.
 */
export async function runInTx<T>(
  db: Pool,
  fn: (tx: ClientTx) => Promise<T>,
  onHookError: (error: unknown) => void = () => {},
  defers = false,
): Promise<T> {
  const client = await db.connect()
  const unguard = guardClient(client)
  const tx = new ClientTx(client, false, defers)
  let broken = false
  try {
    await client.query('BEGIN')
    const value = await fn(tx)
    await client.query(tx.commitText())
    tx.runHooks(onHookError)
    return value
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {
      broken = true
    })
    throw error
  } finally {
    unguard()
    client.release(broken)
  }
}

/**
 * Runs `fn` in a transaction on a client of `db`: commits when it resolves (then runs the
 * callbacks given to `tx.afterCommit`), rolls back when it throws. Pass `tx` to
 * `orchestrator.start(name, data, { sagaId, tx })` to start a saga with your own writes.
 */
export function withTx<Result>(db: Pool, fn: (tx: SagaTx) => Promise<Result>): Promise<Result> {
  return runInTx(db, fn)
}
