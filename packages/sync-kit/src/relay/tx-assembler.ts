import { hasCheckedTypes } from './checked-row.js'
import type { PgOutputMessage, Relation, TupleValues } from './pgoutput.js'
import type { OutboxRowText } from './row-envelope.js'

/** A committed transaction's outbox rows, with the LSN just past its commit record. */
export interface CommittedTx {
  readonly endLsn: bigint
  readonly rows: readonly OutboxRowText[]
  /**
   * True when every row came from a table whose `id` column is uuid and whose `payload` and
   * `headers` columns are json or jsonb: Postgres has checked that text, so it can go into a
   * message without being checked or parsed again.
   */
  readonly typesChecked: boolean
}

/**
 * Groups pgoutput messages into committed transactions of outbox rows. Rows of other tables in
 * the publication are ignored. Inserts are buffered until the commit, so a transaction is
 * published only once Postgres has committed it.
 */
export class TxAssembler {
  readonly #relations = new Map<number, { relation: Relation; typesChecked: boolean }>()
  #open: OutboxRowText[] | undefined
  #typesChecked = true

  readonly #schema: string
  readonly #table: string

  constructor(schema: string, table: string) {
    this.#schema = schema
    this.#table = table
  }

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
        this.#relations.set(msg.relation.id, {
          relation: msg.relation,
          typesChecked: hasCheckedTypes(
            (column) => msg.relation.typeOids[msg.relation.columns.indexOf(column)],
          ),
        })
        return undefined
      case 'begin':
        this.#open = []
        this.#typesChecked = true
        return undefined
      case 'insert':
        this.#insert(msg.relationId, msg.values)
        return undefined
      case 'commit': {
        const rows = this.#open ?? []
        this.#open = undefined
        return { endLsn: msg.endLsn, rows, typesChecked: this.#typesChecked }
      }
      case 'message':
        return msg.transactional || this.#open
          ? undefined
          : { endLsn: msg.lsn, rows: [], typesChecked: true }
      case 'other':
        return undefined
    }
  }

  #insert(relationId: number, values: TupleValues): void {
    const known = this.#relations.get(relationId)
    const rel = known?.relation
    if (!rel || rel.name !== this.#table || rel.schema !== this.#schema || !this.#open) return
    const row: Record<string, string | null | undefined> = {}
    const { columns } = rel
    for (let i = 0; i < columns.length; i++) row[columns[i]!] = values[i]
    this.#open.push(row)
    this.#typesChecked &&= known.typesChecked
  }
}
