import { TopologyError } from '../../errors.js'

/** Why a token was refused; fixed words, never text taken from the token. */
export type InvalidTokenReason =
  | 'too_large'
  | 'malformed'
  | 'algorithm'
  | 'unknown_key'
  | 'signature'
  | 'expired'
  | 'not_yet_valid'
  | 'issuer'
  | 'audience'
  | 'claims'

/** `E_TOPOLOGY_INVALID_OPTION` for an auth option or argument, naming it and the fix. */
export function badOption(option: string, message: string): TopologyError {
  return new TopologyError('E_TOPOLOGY_INVALID_OPTION', message, { context: { option } })
}
