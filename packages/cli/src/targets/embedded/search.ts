import { createHash } from 'node:crypto'
import type { MemoryBroker, MemoryTx } from '@faultline/sync-kit'
import type { ReadModelSnapshot } from '../../checkers/snapshot.js'
import type { EmbeddedCatalog, ProductPayload } from './catalog.js'
import { EmbeddedConsumer } from './delivery.js'
import { Switch } from './switch.js'

/** The read model's table in the search consumer's store. */
const TABLE = 'product_search'

/** A search row: what the source implies for a live product. */
type SearchRow = { id: string; name: string; category: string; price: number; version: number }

/**
 * The search service's read model: a sync-kit consumer projecting product changes into a table
 * of its in-memory store (the row and the inbox claim commit together).
 */
export class SearchModel {
  readonly consumer: EmbeddedConsumer
  /** The search service is up (a `search` fault holds it down: no queries, no consuming). */
  readonly up = new Switch()
  readonly #catalog: EmbeddedCatalog

  constructor(broker: MemoryBroker, catalog: EmbeddedCatalog) {
    this.#catalog = catalog
    this.consumer = new EmbeddedConsumer(broker, 'search.products', (tx, event) => {
      const payload = event.payload as unknown as ProductPayload
      project(tx, event.aggregateId, payload)
      return Promise.resolve()
    })
  }

  /**
   * Fills the read model from the catalog as it stands, as the topology's backfill does before
   * the consumer takes over: the seeded products have no change events.
   */
  async backfill(): Promise<void> {
    await this.consumer.store.transaction((tx) => {
      for (const row of this.#catalog.rows()) {
        const { id, ...payload } = row
        project(tx, id, payload)
      }
      return Promise.resolve()
    })
  }

  /** Live products whose name contains `term`. */
  query(term: string): number {
    return this.#rows().filter((row) => row.name.includes(term)).length
  }

  /** The read model against its source, the catalog (S3). */
  snapshot(): ReadModelSnapshot {
    const source = new Map<string, SearchRow>(
      this.#catalog
        .rows()
        .filter((row) => !row.deleted)
        .map((row) => [row.id, toSearchRow(row.id, row)]),
    )
    const model = new Map(this.#rows().map((row) => [row.id, row]))
    const keys = new Set([...source.keys(), ...model.keys()])
    const differingKeys = [...keys].filter(
      (key) => JSON.stringify(source.get(key)) !== JSON.stringify(model.get(key)),
    )
    return {
      name: `search.${TABLE}`,
      source: checksum([...source.values()]),
      model: checksum([...model.values()]),
      differingKeys,
    }
  }

  #rows(): SearchRow[] {
    return this.consumer.store.read((tx) => [...tx.table(TABLE).values()] as SearchRow[])
  }
}

function project(tx: MemoryTx, id: string, payload: ProductPayload): void {
  const table = tx.table(TABLE)
  const current = table.get(id) as SearchRow | undefined
  // An older event than the row holds changes nothing (the consumer holds order per key anyway).
  if (current !== undefined && current.version >= payload.version) return
  if (payload.deleted) table.delete(id)
  else table.set(id, toSearchRow(id, payload))
}

function toSearchRow(id: string, row: ProductPayload): SearchRow {
  return { id, name: row.name, category: row.category, price: row.price, version: row.version }
}

/** sha256 of the rows in any order: each row's JSON (fields in one fixed order), sorted. */
function checksum(rows: SearchRow[]): { checksum: string; rows: number } {
  const lines = rows
    .map(({ id, name, category, price, version }) =>
      JSON.stringify([id, name, category, price, version]),
    )
    .sort()
  const hash = createHash('sha256')
  for (const line of lines) hash.update(line).update('\n')
  return { checksum: hash.digest('hex'), rows: lines.length }
}
