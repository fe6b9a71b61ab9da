import { CacheKitError } from './errors.js'

/**
 * Turns values into strings and back. L1 and L2 both hold the serialized form, so a value reads
 * back the same whichever tier served it (the serialization-drift hazard).
 */
export interface Serializer {
  /** Throws {@link CacheKitError} `E_CACHE_UNSERIALIZABLE` for values it cannot round-trip. */
  serialize(value: unknown): string
  /** Throws {@link CacheKitError} `E_CACHE_DESERIALIZE` for text it did not produce. */
  deserialize(text: string): unknown
}

// A tag key no JSON document from a normal domain model uses; objects that do use it are escaped.
const TAG = '\u0000t'

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

function unserializable(path: string, why: string, value: unknown): CacheKitError {
  return new CacheKitError('E_CACHE_UNSERIALIZABLE', `Value at ${path} cannot be cached: ${why}.`, {
    context: { reason: why, value: typeof value },
  })
}

function encodeNumber(value: number): Json {
  if (Number.isFinite(value) && !Object.is(value, -0)) return value
  return { [TAG]: 'num', v: String(Object.is(value, -0) ? '-0' : value) }
}

function encodeObject(value: object, path: string, seen: Set<object>): Json {
  if (seen.has(value)) throw unserializable(path, 'it contains a circular reference', value)
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return { [TAG]: 'date', v: null }
    return { [TAG]: 'date', v: value.toISOString() }
  }
  seen.add(value)
  try {
    if (Array.isArray(value)) {
      return value.map((item, index) => encode(item, `${path}[${index}]`, seen))
    }
    const proto = Object.getPrototypeOf(value) as unknown
    if (proto !== Object.prototype && proto !== null) {
      const name = value.constructor?.name ?? 'unknown'
      throw unserializable(path, `instances of ${name} are not plain data`, value)
    }
    const out: Record<string, Json> = {}
    for (const [name, item] of Object.entries(value))
      out[name] = encode(item, `${path}.${name}`, seen)
    return TAG in out ? { [TAG]: 'obj', v: out } : out
  } finally {
    seen.delete(value)
  }
}

function encode(value: unknown, path: string, seen: Set<object>): Json {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value
    case 'number':
      return encodeNumber(value)
    case 'bigint':
      return { [TAG]: 'big', v: value.toString() }
    case 'undefined':
      return { [TAG]: 'undef' }
    case 'object':
      return value === null ? null : encodeObject(value, path, seen)
    case 'function':
    case 'symbol':
      throw unserializable(path, `a ${typeof value} is not data`, value)
  }
}

function decodeTagged(node: Record<string, Json>): unknown {
  const inner = node.v
  const tag = node[TAG]
  switch (typeof tag === 'string' ? tag : '') {
    case 'date':
      return new Date(typeof inner === 'string' ? inner : NaN)
    case 'big':
      return BigInt(inner as string)
    case 'undef':
      return undefined
    case 'num':
      return inner === '-0' ? -0 : Number(inner)
    case 'obj':
      return decodeObject(inner as Record<string, Json>)
    default:
      throw new CacheKitError('E_CACHE_DESERIALIZE', 'Cached text has an unknown type tag.', {
        context: { reason: JSON.stringify(tag) },
      })
  }
}

function decodeObject(node: Record<string, Json>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, item] of Object.entries(node)) out[name] = decode(item)
  return out
}

function decode(node: Json): unknown {
  if (node === null || typeof node !== 'object') return node
  if (Array.isArray(node)) return node.map(decode)
  if (TAG in node) return decodeTagged(node)
  return decodeObject(node)
}

/**
 * The default serializer: JSON plus tags for Date, BigInt, `undefined`, NaN/±Infinity/-0.
 * It refuses functions, symbols, class instances (Map, Set, …) and cycles instead of silently
 * turning them into `{}` or `null`.
 */
export function createJsonSerializer(): Serializer {
  return {
    serialize: (value) => JSON.stringify(encode(value, 'value', new Set())),
    deserialize(text) {
      try {
        const json = JSON.parse(text) as Json
        // Every tag key starts with U+0000, which valid JSON can only spell as the escape \u0000.
        // Text without one holds no tags, and decoding it would only copy the tree.
        return text.includes('\\u0000') ? decode(json) : json
      } catch (cause) {
        throw new CacheKitError(
          'E_CACHE_DESERIALIZE',
          'Cached text is not valid serialized data.',
          {
            cause,
          },
        )
      }
    },
  }
}
