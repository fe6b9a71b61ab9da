import type { PoolClient } from 'pg'

/**
 * Keeps an 'error' listener on a checked-out client until the returned function is called (at
 * release). A server that goes away mid-transaction makes the client emit 'error', which with no
 * listener crashes the process; the pool listens only to idle clients. The failure still reaches
 * the caller, through the query in flight, and the component's health reports it.
 */
export function guardClient(client: PoolClient): () => void {
  const ignore = (): void => {}
  client.on('error', ignore)
  return () => {
    client.off('error', ignore)
  }
}
