/**
 * LSNs are `@faultline/common`'s: text `X/Y` in every public type (what `pg_current_wal_lsn()`
 * prints), `LsnInput` (text or BigInt) at every public entry point. Inside, the relays keep
 * BigInts, which compare correctly (as text, `'F/0' > '10/0'`) and cheaply.
 */
export { compareLsn, formatLsn, isLsn, maxLsn, parseLsn, tryParseLsn } from '@faultline/common'
export type { Lsn, LsnInput } from '@faultline/common'
