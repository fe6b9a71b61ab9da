import type { LsnInput } from '@faultline/common'
import { toLsnValue } from '../lsn.js'

/**
 * @internal A read-your-writes token as a BigInt. Tokens are only ever compared as BigInts: as
 * text, `'F/FFFFFFFF' > '10/0'`, which would send a read to a replica 4 GiB of WAL behind.
 * @throws CacheKitError `E_CACHE_INVALID_LSN` for anything but LSN text or a BigInt.
 */
export function parseToken(token: LsnInput | undefined): bigint | undefined {
  if (token === undefined) return undefined
  return toLsnValue(typeof token === 'string' ? token.trim() : token, 'token')
}

/** @internal The larger of two optional LSNs. */
export function maxLsnValue(
  first: bigint | undefined,
  second: bigint | undefined,
): bigint | undefined {
  if (first === undefined) return second
  if (second === undefined) return first
  return first >= second ? first : second
}
