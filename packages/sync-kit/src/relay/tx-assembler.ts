import type { PgOutputMessage, Relation, TupleValues } from './pgoutput.js'
import type { OutboxRowText } from './row-envelope.js'

/** A committed transaction's outbox rows, with the LSN just past its commit record. */
export interface CommittedTx {
  readonly endLsn: bigint
  readonly rows: readonly OutboxRowText[]
}

/**
 * Groups pgoutput messages into committed transactions of outbox rows. Rows of other tables in
 * the publication are ignored. Inserts are buffered until the commit, so a transaction is
 * published only once Postgres has committed it.
 */
export class TxAssembler {
  readonly #relations = new Map<number, Relation>()
  #open: OutboxRowText[] | undefined

  constructor(
    private readonly schema: string,
    private readonly table: string,
  ) {}

  /** True between Begin and Commit. */
  get inTransaction(): boolean {
    return this.#open !== undefined
  }

  /**
   * Feeds one message. Returns the transaction on Commit, or, for a non-transactional logical
   * message (a heartbeat), an empty transaction ending at its LSN so the slot can move.
   */
  push(msg: PgOutputMessage): CommittedTx | undefined {
    switch (msg.tag) {
      case 'relation':
        this.#relations.set(msg.relation.id, msg.relation)
        return undefined
      case 'begin':
        this.#open = []
        return undefined
      case 'insert':
        this.#insert(msg.relationId, msg.values)
        return undefined
      case 'commit': {
        const rows = this.#open ?? []
        this.#open = undefined
        return { endLsn: msg.endLsn, rows }
      }
      case 'message':
        return msg.transactional || this.#open ? undefined : { endLsn: msg.lsn, rows: [] }
      case 'other':
        return undefined
    }
  }

  #insert(relationId: number, values: TupleValues): void {
    const rel = this.#relations.get(relationId)
    if (!rel || rel.name !== this.table || rel.schema !== this.schema || !this.#open) return
    const row: Record<string, string | null | undefined> = {}
    rel.columns.forEach((c, i) => (row[c] = values[i]))
    this.#open.push(row)
  }
}
