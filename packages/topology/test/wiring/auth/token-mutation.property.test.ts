import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { isTopologyError } from '../../../src/errors.js'
import { authKit, call, protectedApp, type AuthKit } from './auth-fixtures.js'

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

type Mutation = (token: string) => string

const at = (token: string, i: number) => Math.abs(i) % Math.max(token.length, 1)

/** Random edits of a token string: each may or may not keep it well-formed. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), fc.constantFrom(...B64URL, '.', '=', ' ', '+', '/')).map(
    ([i, c]) =>
      (t: string) =>
        t.slice(0, at(t, i)) + c + t.slice(at(t, i) + 1),
  ),
  fc.tuple(fc.nat(), fc.constantFrom(...B64URL)).map(
    ([i, c]) =>
      (t: string) =>
        t.slice(0, at(t, i)) + c + t.slice(at(t, i)),
  ),
  fc.nat().map((i) => (t: string) => t.slice(0, at(t, i)) + t.slice(at(t, i) + 1)),
  fc.nat().map((n) => (t: string) => t.slice(0, at(t, n))),
  // The last character of a segment: its low bits may be unused padding (malleability).
  fc
    .tuple(fc.integer({ min: 0, max: 2 }), fc.constantFrom(...B64URL))
    .map(([segment, c]) => (t: string) => {
      const parts = t.split('.')
      const s = parts[segment] ?? ''
      parts[segment] = s.slice(0, -1) + c
      return parts.join('.')
    }),
  fc
    .tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }))
    .map(([a, b]) => (t: string) => {
      const parts = t.split('.')
      ;[parts[a], parts[b]] = [parts[b] ?? '', parts[a] ?? '']
      return parts.join('.')
    }),
)

const mutations = fc.array(mutation, { minLength: 1, maxLength: 4 })

let kit: AuthKit
let app: FastifyInstance
let token: string

beforeAll(async () => {
  kit = await authKit()
  app = await protectedApp(kit.verifier)
  token = await kit.minter.mint({ role: 'ops', sub: 'root' })
})
afterAll(() => app.close())

const mutate = (edits: Mutation[]) => edits.reduce((t, edit) => edit(t), token)

describe('TokenVerifier under random mutations of a valid token', () => {
  test('no mutation of a valid token is ever accepted (verifier, 3000 runs)', async () => {
    await expect(kit.verifier.verify(token)).resolves.toMatchObject({ sub: 'root' })
    await fc.assert(
      fc.asyncProperty(mutations, async (edits) => {
        const mutated = mutate(edits)
        fc.pre(mutated !== token)
        const outcome = await kit.verifier.verify(mutated).then(
          () => 'accepted',
          (e: unknown) => (isTopologyError(e) ? e.code : `unexpected ${String(e)}`),
        )
        expect(outcome).toBe('E_TOPOLOGY_INVALID_TOKEN')
      }),
      { numRuns: 3000 },
    )
  })

  test('a flipped padding bit in the signature is refused, though jose alone accepts it', async () => {
    const [header, payload, signature = ''] = token.split('.')
    // 64 signature bytes leave 4 unused bits in the last character; ^1 flips one of them.
    const flipped = B64URL[B64URL.indexOf(signature.at(-1) ?? 'A') ^ 1] ?? 'A'
    const twin = `${header}.${payload}.${signature.slice(0, -1)}${flipped}`
    expect(Buffer.from(twin.split('.')[2] ?? '', 'base64url')).toEqual(
      Buffer.from(signature, 'base64url'),
    )
    await expect(kit.verifier.verify(twin)).rejects.toMatchObject({
      context: { reason: 'malformed' },
    })
  })

  test('over HTTP, mutated tokens always get 401 with an invalid_token challenge (300 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(mutations, async (edits) => {
        const mutated = mutate(edits)
        fc.pre(mutated !== token)
        const answer = await call(app, '/chaos', `Bearer ${mutated}`, 'POST')
        expect(answer.status).toBe(401)
        expect(answer.challenge).toMatch(/^Bearer realm="faultline"(, error="invalid_token")?/)
      }),
      { numRuns: 300 },
    )
  })
})
