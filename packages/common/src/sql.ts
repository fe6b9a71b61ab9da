/** A query's result, as every Faultline package reads it. */
export interface SqlResult<Row extends object = Record<string, unknown>> {
  rows: Row[]
  rowCount: number | null
}

/**
 * Anything that runs a parameterised query: a `pg` `Pool`, `PoolClient` or `Client` fits as it is,
 * and so does the transaction any kit hands out (cache-kit's replica router `write()`, saga-kit's
 * step `tx.client`), so a row and its outbox event commit together with no cast.
 */
export interface SqlClient {
  query<Row extends object = Record<string, unknown>>(
    text: string,
    values?: readonly unknown[],
  ): Promise<SqlResult<Row>>
}
