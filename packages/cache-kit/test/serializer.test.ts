import { describe, expect, test } from 'vitest'
import { createJsonSerializer, isCacheKitError } from '@faultline/cache-kit'

const serializer = createJsonSerializer()
const roundTrip = (value: unknown): unknown => serializer.deserialize(serializer.serialize(value))

describe('createJsonSerializer', () => {
  test('round-trips Dates, BigInts, nested objects, undefined members and special numbers', () => {
    const value = {
      at: new Date('2026-01-02T03:04:05.678Z'),
      big: 2n ** 70n,
      nested: { list: [1, 'two', null, { deep: new Date(0) }], empty: {} },
      missing: undefined,
      nan: NaN,
      inf: -Infinity,
      negZero: -0,
      tagLike: { '\u0000t': 'user data' },
    }
    expect(roundTrip(value)).toStrictEqual(value)
  })

  test('keeps null distinct from undefined', () => {
    expect(roundTrip(null)).toBeNull()
    expect(roundTrip(undefined)).toBeUndefined()
    expect(roundTrip([null, undefined])).toStrictEqual([null, undefined])
  })

  test.each([
    ['a function', () => 1],
    ['a symbol', Symbol('x')],
    ['a Map', new Map([[1, 2]])],
    ['a Set', new Set([1])],
    ['a class instance', new (class Foo {})()],
  ])('refuses %s with E_CACHE_UNSERIALIZABLE', (_name, value) => {
    try {
      serializer.serialize({ wrapped: value })
      expect.unreachable('serialize should throw')
    } catch (error) {
      expect(isCacheKitError(error) && error.code).toBe('E_CACHE_UNSERIALIZABLE')
    }
  })

  test('refuses a circular structure but accepts shared references', () => {
    const shared = { a: 1 }
    expect(roundTrip({ x: shared, y: shared })).toStrictEqual({ x: { a: 1 }, y: { a: 1 } })
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(() => serializer.serialize(cyclic)).toThrow(/circular/)
  })

  test('plain JSON skips the tag pass; any escaped NUL (even a lookalike) takes it', () => {
    // The fast path returns JSON.parse's tree as is: only text containing the escape \u0000 can
    // hold a tag, so a value with NUL characters, or with the six characters "\u0000" typed
    // out, must still round-trip exactly.
    const value = {
      nul: 'a\u0000b',
      typed: '\\u0000t',
      keyNul: { '\u0000x': 1 },
      at: new Date(0),
    }
    expect(roundTrip(value)).toStrictEqual(value)
    expect(roundTrip({ plain: [1, 'x', { y: null }] })).toStrictEqual({
      plain: [1, 'x', { y: null }],
    })
    expect(
      serializer.deserialize('{"\\u0000t":"date","v":"1970-01-01T00:00:00.000Z"}'),
    ).toStrictEqual(new Date(0))
  })

  test('refuses text it did not produce with E_CACHE_DESERIALIZE', () => {
    expect(() => serializer.deserialize('{not json')).toThrow(
      expect.objectContaining({ code: 'E_CACHE_DESERIALIZE' }),
    )
  })
})
