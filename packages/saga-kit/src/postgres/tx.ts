import pg, { type Pool, type PoolClient } from 'pg'
import type { SagaTx } from '../core/types.js'
import { SagaKitError } from '../errors.js'

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
  return text.replace(/\$(\d+)/g, (_, n: string) => literal(params[Number(n) - 1]))
}

/** A {@link SagaTx} over a client the caller has put in a transaction. */
export class ClientTx implements SagaTx {
  private readonly hooks: (() => void)[] = []
  private last: string | null = null

  /**
   * @param mergeCommit - the transaction's final write ({@link writeLast}) may be held back and
   *   sent with COMMIT: only for saga-kit's own transactions, whose work issues nothing after it.
   */
  constructor(
    readonly client: PoolClient,
    private readonly mergeCommit = false,
  ) {}

  afterCommit(fn: () => void): void {
    this.hooks.push(fn)
  }

  /**
   * Runs the transaction's final write (statements with literals only, see {@link inline}):
   * now, or, when the transaction merges its commit, in the COMMIT's round trip (a failure there
   * fails the commit, so nothing is half-written either way).
   */
  async writeLast(text: string): Promise<void> {
    if (!this.mergeCommit) {
      await this.client.query(text)
      return
    }
    if (this.last !== null) await this.client.query(this.last)
    this.last = text
  }

  /** The COMMIT to send, preceded by a held-back final write. */
  commitText(): string {
    const text = this.last === null ? 'COMMIT' : `${this.last};\nCOMMIT`
    this.last = null
    return text
  }

  /** Runs the hooks; call only after COMMIT succeeded. A throwing hook does not stop the others. */
  runHooks(onError: (error: unknown) => void): void {
    for (const hook of this.hooks.splice(0)) {
      try {
        hook()
      } catch (error) {
        onError(error)
      }
    }
  }
}

/** Runs `fn` in a transaction on a pooled client; commits, then runs after-commit hooks. */
export async function withTx<T>(
  db: Pool,
  fn: (tx: ClientTx) => Promise<T>,
  onHookError: (error: unknown) => void = () => {},
): Promise<T> {
  const client = await db.connect()
  const tx = new ClientTx(client)
  let broken = false
  try {
    await client.query('BEGIN')
    const value = await fn(tx)
    await client.query('COMMIT')
    tx.runHooks(onHookError)
    return value
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {
      broken = true
    })
    throw error
  } finally {
    client.release(broken)
  }
}
