import { createHash } from 'node:crypto'
import type { Checksum, ReadModelSnapshot, StreamSnapshot } from '../../checkers/snapshot.js'
import type { TopologyAccess } from './access.js'
import type { TopologyKafka } from './kafka.js'
import { query } from './sql.js'

const PRODUCT_CHANGED = 'catalog.product.changed'

interface OutboxRow {
  id: string
  aggregatetype: string
  aggregateid: string
  sequence: string
  type: string
}

/** The catalog's stream: its outbox, the product topic from the earliest offset, search's inbox. */
export async function catalogStream(
  access: TopologyAccess,
  kafka: TopologyKafka,
): Promise<StreamSnapshot> {
  const topic = `${access.namespace}outbox.event.product`
  const rows = await query<OutboxRow>(
    access.databases.catalog.url,
    'SELECT id, aggregatetype, aggregateid, sequence::text, type FROM sync_outbox ORDER BY position',
  )
  const inbox = await query<{ event_id: string }>(
    access.databases.search.url,
    'SELECT event_id::text FROM sync_inbox',
  )
  const published = await kafka.readTopic(topic).catch(() => undefined)
  return {
    name: 'catalog',
    topic,
    outbox: rows.map((row) => ({
      id: row.id,
      aggregate: `${row.aggregatetype}:${row.aggregateid}`,
      sequence: Number(row.sequence),
      type: row.type,
    })),
    ...(published === undefined ? {} : { published }),
    consumers: [
      {
        name: 'search.products',
        handles: [PRODUCT_CHANGED],
        // The inbox holds one row per event, so a second application cannot show: count 1.
        applied: inbox.map((row) => ({ eventId: row.event_id, count: 1 })),
      },
    ],
  }
}

interface ProductRow {
  id: string
  name: string
  category: string
  price_cents: string
  stock: number
  version: number
}

const COLUMNS = 'id, name, category, price_cents::text, stock, version'

function digest(rows: readonly ProductRow[]): { sum: Checksum; byId: Map<string, string> } {
  const byId = new Map(rows.map((row) => [row.id, JSON.stringify(row)]))
  const hash = createHash('sha256')
  for (const id of [...byId.keys()].sort()) hash.update(byId.get(id) ?? '')
  return { sum: { checksum: hash.digest('hex'), rows: rows.length }, byId }
}

/** search's product table against the catalog's live products, row by row. */
export async function searchReadModel(access: TopologyAccess): Promise<ReadModelSnapshot> {
  const [source, model] = await Promise.all([
    query<ProductRow>(
      access.databases.catalog.url,
      `SELECT ${COLUMNS} FROM products WHERE NOT deleted`,
    ),
    query<ProductRow>(access.databases.search.url, `SELECT ${COLUMNS} FROM search_products`),
  ])
  const left = digest(source)
  const right = digest(model)
  const keys = new Set([...left.byId.keys(), ...right.byId.keys()])
  const differingKeys = [...keys].filter((id) => left.byId.get(id) !== right.byId.get(id)).sort()
  return { name: 'search.search_products', source: left.sum, model: right.sum, differingKeys }
}
