/** Bounded fields every product body shares: no unbounded string reaches the database. */
const FIELDS = {
  name: { type: 'string', minLength: 1, maxLength: 200 },
  category: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9-]*$' },
  description: { type: 'string', maxLength: 2000 },
  priceCents: { type: 'integer', minimum: 0, maximum: 100_000_000 },
  stock: { type: 'integer', minimum: 0, maximum: 1_000_000 },
} as const

/** `POST /products` and `PUT /products/:id`. */
export const PRODUCT_BODY = {
  type: 'object',
  required: ['name', 'category', 'priceCents', 'stock'],
  properties: FIELDS,
} as const

/** `POST /ops/seed`: many products in one transaction (their events too). */
export const SEED_BODY = {
  type: 'object',
  required: ['products'],
  properties: { products: { type: 'array', minItems: 1, maxItems: 1000, items: PRODUCT_BODY } },
} as const

/** `PATCH /products/:id/price`. */
export const PRICE_BODY = {
  type: 'object',
  required: ['priceCents'],
  properties: { priceCents: FIELDS.priceCents },
} as const

/** `:id` is a UUID (the catalog makes UUIDv7 ids). */
export const ID_PARAMS = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', format: 'uuid' } },
} as const

/** `If-Match: "3"` (an ETag this service sent) or a bare version. */
export const IF_MATCH_HEADERS = {
  type: 'object',
  properties: { 'if-match': { type: 'string', pattern: '^(W/)?"?[0-9]{1,9}"?$' } },
} as const
