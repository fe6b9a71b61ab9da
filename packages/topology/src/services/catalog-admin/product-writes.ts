import type { SqlClient } from '@faultline/common'
import type { ReplicaRouter } from '@faultline/cache-kit/postgres'
import { appendEvents, uuidv7 } from '@faultline/sync-kit'
import { httpError } from '../../wiring/http/http-error.js'
import {
  PRODUCT_AGGREGATE,
  PRODUCT_CHANGED,
  PRODUCT_COLUMNS,
  toProduct,
  type Product,
  type ProductChange,
  type ProductRow,
} from '../shared/product.js'

/** The fields a client sets on create and replace. */
export interface ProductInput {
  readonly name: string
  readonly category: string
  readonly description?: string
  readonly priceCents: number
  readonly stock: number
}

/** A committed write: the row after it, the category before it, and the read-your-writes token. */
export interface WriteOutcome {
  readonly product: Product
  readonly previousCategory: string | null
  /** The commit LSN (cache-kit's token): a read that carries it sees this write. */
  readonly token: string
}

async function appendChange(
  tx: SqlClient,
  products: readonly { product: Product; previousCategory: string | null }[],
  change: ProductChange,
): Promise<void> {
  await appendEvents(
    tx,
    products.map(({ product, previousCategory }) => ({
      aggregateType: PRODUCT_AGGREGATE,
      aggregateId: product.id,
      type: PRODUCT_CHANGED,
      schemaVersion: 1,
      payload: { ...product, change, previousCategory },
    })),
  )
}

const INSERT = `INSERT INTO products (id, name, category, description, price_cents, stock, version)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::int[]),
         LATERAL (SELECT 1) AS v(version)
  RETURNING ${PRODUCT_COLUMNS}`

/** Creates products (one or a seed batch) and their events in one transaction. */
export async function createProducts(
  router: ReplicaRouter,
  inputs: readonly ProductInput[],
): Promise<{ products: Product[]; token: string }> {
  const ids = inputs.map(() => uuidv7())
  const { result, token } = await router.write(async (tx) => {
    const inserted = await tx.query<ProductRow>(INSERT, [
      ids,
      inputs.map((input) => input.name),
      inputs.map((input) => input.category),
      inputs.map((input) => input.description ?? ''),
      inputs.map((input) => input.priceCents),
      inputs.map((input) => input.stock),
    ])
    const products = inserted.rows.map(toProduct)
    await appendChange(
      tx,
      products.map((product) => ({ product, previousCategory: null })),
      'created',
    )
    return products
  })
  return { products: result, token }
}

/** An update's SQL after the row is locked and its version checked; returns the new row. */
type Mutation = (tx: SqlClient, id: string) => Promise<ProductRow | undefined>

async function lockChecked(
  tx: SqlClient,
  id: string,
  ifMatch: number | undefined,
): Promise<ProductRow> {
  const found = await tx.query<ProductRow>(
    `SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = $1 FOR UPDATE`,
    [id],
  )
  const row = found.rows[0]
  if (row === undefined || row.deleted)
    throw httpError(404, 'E_CATALOG_NOT_FOUND', `no product ${id}`)
  if (ifMatch !== undefined && row.version !== ifMatch)
    throw httpError(
      412,
      'E_CATALOG_VERSION_MISMATCH',
      `product ${id} is at version ${row.version}, not ${ifMatch} (If-Match); read it again and retry`,
    )
  return row
}

/**
 * Locks the row, checks `If-Match`, applies `mutation` with `version = version + 1` and appends
 * its event, all in one transaction on the primary.
 */
export async function updateProduct(
  router: ReplicaRouter,
  request: { id: string; ifMatch: number | undefined; change: ProductChange },
  mutation: Mutation,
): Promise<WriteOutcome> {
  const { result, token } = await router.write(async (tx) => {
    const before = await lockChecked(tx, request.id, request.ifMatch)
    const after = await mutation(tx, request.id)
    if (after === undefined) throw new Error(`product ${request.id} vanished under its lock`)
    const product = toProduct(after)
    await appendChange(tx, [{ product, previousCategory: before.category }], request.change)
    return { product, previousCategory: before.category }
  })
  return { ...result, token }
}

/** `PUT /products/:id`: every client field replaced. */
export function replaceMutation(input: ProductInput): Mutation {
  return async (tx, id) =>
    (
      await tx.query<ProductRow>(
        `UPDATE products SET name = $2, category = $3, description = $4, price_cents = $5,
           stock = $6, version = version + 1, updated_at = now()
         WHERE id = $1 RETURNING ${PRODUCT_COLUMNS}`,
        [id, input.name, input.category, input.description ?? '', input.priceCents, input.stock],
      )
    ).rows[0]
}

/** `PATCH /products/:id/price`. */
export function priceMutation(priceCents: number): Mutation {
  return async (tx, id) =>
    (
      await tx.query<ProductRow>(
        `UPDATE products SET price_cents = $2, version = version + 1, updated_at = now()
         WHERE id = $1 RETURNING ${PRODUCT_COLUMNS}`,
        [id, priceCents],
      )
    ).rows[0]
}

/** `DELETE /products/:id`: a tombstone, so the version still grows. */
export const deleteMutation: Mutation = async (tx, id) =>
  (
    await tx.query<ProductRow>(
      `UPDATE products SET deleted = true, version = version + 1, updated_at = now()
       WHERE id = $1 RETURNING ${PRODUCT_COLUMNS}`,
      [id],
    )
  ).rows[0]
