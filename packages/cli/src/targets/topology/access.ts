import { readFileSync } from 'node:fs'
import { createTokenMinter, importKeySet, type TopologyHandle } from '@faultline/topology'
import { CliError, describeError } from '../../core/errors.js'
import type { StateDatabaseName, TopologyStateFile } from './state-file.js'
import { CallerTokens, type MintToken } from './tokens.js'

/**
 * What the adapter needs of a running topology, whether it started it (a `TopologyHandle`) or
 * attaches to one `faultline up` started (its state file). Faults that need the supervisor
 * (restart a service, scale) are only available with a handle.
 */
export interface TopologyAccess {
  /** Base URL per service (first instance), plus `catalog-query-lb`. */
  readonly endpoints: Readonly<Record<string, string>>
  readonly databases: Readonly<
    Record<StateDatabaseName, { readonly url: string; readonly replicaUrl: string }>
  >
  readonly kafkaBrokers: readonly string[]
  readonly namespace: string
  /** Set when this process started the topology (or was given its handle). */
  readonly handle?: TopologyHandle
  /** Pids by process name, when attached through a state file. */
  readonly pids?: Readonly<Record<string, number>>
  /** The bearer tokens every request to a service carries. */
  readonly tokens: CallerTokens
}

/** Access through a handle. */
export function accessOfHandle(handle: TopologyHandle, namespace: string): TopologyAccess {
  return {
    get endpoints() {
      return handle.endpoints()
    },
    databases: handle.databases,
    kafkaBrokers: handle.infra.kafka.brokers,
    namespace,
    handle,
    tokens: new CallerTokens((request) => handle.mintToken(request)),
  }
}

/** Mints with the signing keys `faultline up` left next to its state file. */
export async function minterOfStateFile(state: TopologyStateFile): Promise<MintToken> {
  const { keysFile, issuer, audience } = state.auth
  let document: unknown
  try {
    document = JSON.parse(readFileSync(keysFile, 'utf8'))
  } catch (cause) {
    throw new CliError(
      'E_CLI_INVALID_OPTION',
      `Cannot read the topology's signing keys ${keysFile}: ${describeError(cause)}; run as the user who ran \`faultline up\`.`,
      { cause },
    )
  }
  const minter = createTokenMinter({ keySet: await importKeySet(document), issuer, audience })
  return (request) => minter.mint(request)
}

/** Access through `faultline up`'s state file, minting tokens with `mint` (see {@link minterOfStateFile}). */
export function accessOfStateFile(state: TopologyStateFile, mint: MintToken): TopologyAccess {
  return {
    endpoints: state.endpoints,
    databases: state.databases,
    kafkaBrokers: state.kafkaBrokers,
    namespace: state.namespace,
    pids: state.pids,
    tokens: new CallerTokens(mint),
  }
}

/** The catalog's read entry point (the balancer), else the first catalog-query. */
export function readOrigin(access: TopologyAccess): string {
  const endpoints = access.endpoints
  return endpoints['catalog-query-lb'] ?? endpoints['catalog-query'] ?? ''
}
