import { encodeEnvelope, uuidv7, type EventEnvelope, type MemoryBroker } from '@faultline/sync-kit'
import type { OutboxEventRow } from '../../checkers/snapshot.js'
import { Switch } from './switch.js'

/** The topic the catalog's relay publishes product changes to (as in the topology). */
export const PRODUCT_TOPIC = 'outbox.event.product'

/** The event type of a product change. */
export const PRODUCT_CHANGED = 'catalog.product.changed'

/** A product row of the in-memory catalog database. */
export interface ProductRow {
  readonly id: string
  readonly name: string
  readonly category: string
  readonly price: number
  /** Row version: 1 on creation, +1 on every write or delete. */
  readonly version: number
  readonly deleted: boolean
}

/** What a product-changed event carries (the row after the change). */
export type ProductPayload = Omit<ProductRow, 'id'>

/** An acknowledged catalog write. */
export interface CatalogWrite {
  readonly version: number
  /** The write's commit position as LSN text, unique per write (the read-your-writes token). */
  readonly token: string
}

/** Categories the seeded products spread over. */
const CATEGORIES = ['books', 'games', 'tools', 'garden', 'music'] as const

/**
 * The catalog service's database in memory: products with a version, and an outbox that every
 * write appends to in the same step (the transactional outbox). The relay publishes outbox rows
 * to the broker in order; while it is stopped (a `relay-catalog` or `kafka` fault) rows wait.
 */
export class EmbeddedCatalog {
  readonly #rows = new Map<string, ProductRow>()
  /** Events appended per product: the outbox sequence starts at 1 with the first change. */
  readonly #sequences = new Map<string, number>()
  readonly #outbox: { row: OutboxEventRow; envelope: EventEnvelope<ProductPayload> }[] = []
  readonly #broker: MemoryBroker
  /** The relay may publish (neither it nor the broker is down). */
  readonly relayUp = new Switch()
  /** The database answers. */
  readonly databaseUp = new Switch()
  #published = 0
  #commits = 0
  #publishing: Promise<void> | undefined

  constructor(broker: MemoryBroker, products: number) {
    this.#broker = broker
    for (let index = 0; index < products; index++) {
      const id = productId(index)
      this.#rows.set(id, {
        id,
        name: `product ${index}`,
        category: CATEGORIES[index % CATEGORIES.length] as string,
        price: 100 + index,
        version: 1,
        deleted: false,
      })
    }
  }

  /** The row, deleted ones included; undefined when the id was never created. */
  get(id: string): ProductRow | undefined {
    return this.#rows.get(id)
  }

  /** Every row, deleted ones included. */
  rows(): ProductRow[] {
    return [...this.#rows.values()]
  }

  /** Live products of a category. */
  category(name: string): ProductRow[] {
    return this.rows().filter((row) => !row.deleted && row.category === name)
  }

  /** Updates (or re-creates) a product; the version and the outbox row commit together. */
  write(id: string, change: { price?: number; name?: string; deleted?: boolean }): CatalogWrite {
    const before = this.#rows.get(id)
    const row: ProductRow = {
      id,
      name: change.name ?? before?.name ?? id,
      category: before?.category ?? CATEGORIES[0],
      price: change.price ?? before?.price ?? 100,
      version: (before?.version ?? 0) + 1,
      deleted: change.deleted ?? false,
    }
    this.#rows.set(id, row)
    this.#commits++
    const { id: _id, ...payload } = row
    const sequence = (this.#sequences.get(id) ?? 0) + 1
    this.#sequences.set(id, sequence)
    const envelope: EventEnvelope<ProductPayload> = {
      id: uuidv7(),
      aggregateType: 'product',
      aggregateId: id,
      type: PRODUCT_CHANGED,
      schemaVersion: 1,
      sequence,
      payload,
      headers: { 'fl-commit-lsn': commitLsn(this.#commits) },
      occurredAt: new Date().toISOString(),
    }
    this.#outbox.push({
      row: {
        id: envelope.id,
        aggregate: `product:${id}`,
        sequence,
        type: PRODUCT_CHANGED,
      },
      envelope,
    })
    this.relay()
    return { version: row.version, token: commitLsn(this.#commits) }
  }

  /** Every outbox row, in commit order. */
  outbox(): OutboxEventRow[] {
    return this.#outbox.map((entry) => entry.row)
  }

  /** Outbox rows not yet published. */
  pending(): number {
    return this.#outbox.length - this.#published
  }

  /**
   * Publishes what waits, in order, one batch at a time (a relay never has two publishes in
   * flight, so per-key order holds). Called after each write and when the relay comes back.
   */
  relay(): void {
    if (this.#publishing !== undefined || !this.relayUp.on || this.pending() === 0) return
    this.#publishing = this.#publishBatch().finally(() => {
      this.#publishing = undefined
      this.relay()
    })
  }

  /** Waits for a publish in flight. */
  async settled(): Promise<void> {
    await this.#publishing
  }

  async #publishBatch(): Promise<void> {
    const batch = this.#outbox.slice(this.#published, this.#published + 100)
    const results = await this.#broker.publish(
      batch.map((entry) => ({ topic: PRODUCT_TOPIC, ...encodeEnvelope(entry.envelope) })),
    )
    // The position moves only past acknowledged messages: a refused one is retried next time.
    const acked = results.findIndex((result) => !result.ok)
    this.#published += acked === -1 ? results.length : acked
  }
}

/** The id of the `index`-th seeded product. */
export function productId(index: number): string {
  return `p${index}`
}

function commitLsn(commit: number): string {
  return `0/${commit.toString(16).toUpperCase()}`
}
