import type { Pool, PoolClient } from 'pg'
import type { SagaTx } from '../core/types.js'

/** A {@link SagaTx} over a client the caller has put in a transaction. */
export class ClientTx implements SagaTx {
  private readonly hooks: (() => void)[] = []
  constructor(readonly client: PoolClient) {}

  afterCommit(fn: () => void): void {
    this.hooks.push(fn)
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
