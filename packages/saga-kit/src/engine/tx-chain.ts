import type { Pool, PoolClient, QueryResult } from 'pg'
import { guardClient } from './client-guard.js'
import { ClientTx } from './client-tx.js'

/** One transaction of a {@link withTxChain}. */
export interface ChainedPass {
  /** Statements sent with this transaction's BEGIN (literals only, see `inline`); may be empty. */
  readonly opening: string
  /**
   * Runs the transaction's work on `tx` (whose final write is held back for the commit, see
   * {@link ClientTx.writeLast}) given the opening's results; returns the next pass, or null.
   */
  run(tx: ClientTx, opened: readonly QueryResult[]): Promise<ChainedPass | null>
}

const XID = 'SELECT txid_current()::text AS xid'

/** The transaction id and the opening's results, from the results of a `…BEGIN; XID; opening`. */
function opened(results: QueryResult | QueryResult[]): { xid: string; rest: QueryResult[] } {
  const all = Array.isArray(results) ? results : [results]
  const begin = all.map((row) => row.command).lastIndexOf('BEGIN')
  const xid = (all[begin + 1]?.rows[0] as { xid?: string } | undefined)?.xid ?? ''
  return { xid, rest: all.slice(begin + 2) }
}

const join = (...parts: string[]): string => parts.filter((part) => part.length > 0).join(';\n')

/** Whether transaction `xid` committed; a failed lookup counts as "not known to have". */
async function committed(client: PoolClient | Pool, xid: string): Promise<boolean> {
  const { rows } = await client
    .query<{ s: string | null }>('SELECT txid_status($1::bigint) AS s', [xid])
    .catch(() => ({ rows: [] as { s: string | null }[] }))
  return rows[0]?.s === 'committed'
}

/**
 * Runs passes of saga-kit's own work as transactions back to back on one pooled connection. A
 * pass's final write, its COMMIT, the next BEGIN and the next pass's opening travel in one
 * round trip. When that round trip fails, whether the finished pass committed is looked up by
 * its transaction id (`txid_status`), so its after-commit hooks run exactly when it committed,
 * and the error is thrown as a failure of the transaction it belongs to would be.
 */
export async function withTxChain(
  db: Pool,
  first: ChainedPass,
  onHookError: (error: unknown) => void,
): Promise<void> {
  const client = await db.connect()
  const unguard = guardClient(client)
  let broken = false
  try {
    let pass: ChainedPass | null = first
    let open = opened(await client.query(join('BEGIN', XID, first.opening)))
    while (pass !== null) {
      const tx = new ClientTx(client, true)
      const next: ChainedPass | null = await pass.run(tx, open.rest)
      if (next === null) {
        await client.query(tx.commitText())
        tx.runHooks(onHookError)
        return
      }
      let results: QueryResult | QueryResult[]
      try {
        results = await client.query(join(tx.commitText(), 'BEGIN', XID, next.opening))
      } catch (error) {
        broken = await client.query('ROLLBACK').then(
          () => false,
          () => true,
        )
        if (await committed(broken ? db : client, open.xid)) tx.runHooks(onHookError)
        throw error
      }
      tx.runHooks(onHookError)
      open = opened(results)
      pass = next
    }
  } catch (error) {
    if (!broken) {
      await client.query('ROLLBACK').catch(() => {
        broken = true
      })
    }
    throw error
  } finally {
    unguard()
    client.release(broken)
  }
}
