/** The header that carries a write's commit LSN to readers (read-your-writes). */
export const CONSISTENCY_TOKEN_HEADER = 'x-consistency-token'

/** Its schema on read routes: an LSN as Postgres prints it (`16/B374D848`). */
export const CONSISTENCY_TOKEN_SCHEMA = {
  type: 'string',
  pattern: '^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$',
} as const
