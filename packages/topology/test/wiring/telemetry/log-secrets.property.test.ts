import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { createLogger } from '../../../src/wiring/telemetry/logs/logger.js'
import { LogCapture } from './log-capture.js'

const alnum = (min: number, max: number) =>
  fc.string({
    unit: fc.constantFrom(...'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'),
    minLength: min,
    maxLength: max,
  })
const b64url = (min: number, max: number) =>
  fc.string({
    unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
    minLength: min,
    maxLength: max,
  })

/** A distinctive secret: it cannot occur in the output by chance. */
const password = alnum(10, 18).map((s) => `Pw${s}`)

function luhnComplete(body: string): string {
  let sum = 0
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i])
    if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2
    sum += d
  }
  return `${body}${(10 - (sum % 10)) % 10}`
}

const card = fc
  .tuple(
    fc.constantFrom('4', '51', '55', '37', '6011', '35'),
    fc.integer({ min: 15, max: 16 }),
    fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 18, maxLength: 18 }),
  )
  .map(([prefix, length, digits]) => luhnComplete(`${prefix}${digits}`.slice(0, length)))

/** A secret, how it appears in logged data, and the strings that must never be written. */
interface Planted {
  readonly value: unknown
  readonly key: string
  readonly forbidden: readonly string[]
}

const SECRET_KEYS = [
  'password',
  'dbPassword',
  'client_secret',
  'authorization',
  'apiKey',
  'refresh_token',
  'cvv',
  'X-Session-Token',
]
const SAFE_KEYS = [
  'id',
  'user',
  'route',
  'status',
  'note',
  'detail',
  'meta',
  'ctx',
  'body',
  'query',
]
const WORDS = ['order', 'placed', 'for', 'customer', 'with', 'ok', 'retry', 'at', 'db', 'then']
const words = fc.array(fc.constantFrom(...WORDS), { maxLength: 4 }).map((w) => w.join(' '))

const planted: fc.Arbitrary<Planted> = fc.oneof(
  fc
    .tuple(b64url(10, 30), b64url(20, 90), b64url(43, 43), fc.constantFrom(...SAFE_KEYS))
    .map(([h, p, s, key]) => {
      const jwt = `eyJ${h}.eyJ${p}.${s}`
      return { value: jwt, key, forbidden: [jwt, `${p}.${s}`] }
    }),
  fc
    .tuple(b64url(24, 48), fc.constantFrom(...SAFE_KEYS))
    .map(([token, key]) => ({ value: `Bearer ${token}`, key, forbidden: [token] })),
  fc
    .tuple(alnum(3, 8), password, fc.constantFrom('postgres', 'redis', 'amqp', 'https'))
    .map(([user, pw, scheme]) => ({
      value: `${scheme}://${user}:${pw}@127.0.0.1:5432/x`,
      key: 'url',
      forbidden: [pw],
    })),
  fc
    .tuple(fc.constantFrom('password=', 'token: ', 'secret=', 'api_key='), password)
    .map(([kv, pw]) => ({
      value: `${kv}${pw}`,
      key: 'detail',
      forbidden: [pw],
    })),
  fc
    .tuple(fc.constantFrom(...SECRET_KEYS), password)
    .map(([key, pw]) => ({ value: pw, key, forbidden: [pw] })),
  fc
    .tuple(card, fc.constantFrom('plain', 'spaced', 'dashed'), fc.constantFrom(...SAFE_KEYS))
    .map(([digits, style, key]) => {
      const shown =
        style === 'plain'
          ? digits
          : digits.replace(/(\d{4})(?=\d)/g, style === 'spaced' ? '$1 ' : '$1-')
      return { value: shown, key, forbidden: [digits, shown] }
    }),
)

/** Puts the secret at the end of a random path in an object, among harmless siblings. */
const carrier = fc
  .tuple(
    planted,
    fc.array(fc.constantFrom(...SAFE_KEYS), { maxLength: 3 }),
    words,
    words,
    fc.boolean(),
  )
  .map(([secret, path, before, after, inText]) => {
    const leaf =
      inText && typeof secret.value === 'string' && !SECRET_KEYS.includes(secret.key)
        ? `${before} ${secret.value} ${after}`
        : secret.value
    const nested = path.reduceRight<Record<string, unknown>>(
      (inner, key) => ({ [key]: inner, status: 200 }),
      {
        [secret.key]: leaf,
      },
    )
    return { secret, nested, text: `${before} ${JSON.stringify(nested)} ${after}` }
  })

const ways = ['fields', 'message', 'printf', 'binding', 'error'] as const

describe('log scrubbing, property', () => {
  test('no planted secret is ever written, however it is logged (2000 runs)', () => {
    fc.assert(
      fc.property(carrier, fc.constantFrom(...ways), ({ secret, nested, text }, way) => {
        const capture = new LogCapture()
        const log = createLogger({ service: 'orders', destination: capture })
        if (way === 'fields') log.info(nested, 'request')
        if (way === 'message') log.info(text)
        if (way === 'printf') log.info('got %s and %j', text, nested)
        if (way === 'binding') log.child(nested).info('bound')
        if (way === 'error') log.error({ err: new Error(text) }, 'failed')
        for (const forbidden of secret.forbidden) expect(capture.text).not.toContain(forbidden)
      }),
      { numRuns: 2000 },
    )
  })
})
