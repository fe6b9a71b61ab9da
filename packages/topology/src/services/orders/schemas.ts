/** An id a client chooses (customer, product): short, printable, no spaces. */
export const CLIENT_ID = {
  type: 'string',
  minLength: 1,
  maxLength: 100,
  pattern: '^[A-Za-z0-9._:-]+$',
}

/** `POST /orders` body. */
export const CREATE_ORDER_BODY = {
  type: 'object',
  required: ['customerId', 'productId', 'quantity', 'amountCents'],
  additionalProperties: false,
  properties: {
    customerId: CLIENT_ID,
    productId: CLIENT_ID,
    quantity: { type: 'integer', minimum: 1, maximum: 1000 },
    /** The price the client was quoted, in cents. */
    amountCents: { type: 'integer', minimum: 0, maximum: 100_000_000 },
  },
} as const

/** `POST /orders` headers: the Idempotency-Key is required (printable ASCII, no spaces). */
export const CREATE_ORDER_HEADERS = {
  type: 'object',
  required: ['idempotency-key'],
  properties: {
    'idempotency-key': { type: 'string', minLength: 1, maxLength: 200, pattern: '^[!-~]+$' },
  },
} as const

/** `GET /orders/:id` params. */
export const ORDER_ID_PARAMS = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', format: 'uuid' } },
} as const

/** A validated `POST /orders` body. */
export interface CreateOrderBody {
  readonly customerId: string
  readonly productId: string
  readonly quantity: number
  readonly amountCents: number
}
