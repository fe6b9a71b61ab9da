import { readFileSync, writeFileSync } from 'node:fs'
import { CliError, describeError } from '../../core/errors.js'

/** The file name `faultline up` writes in its dir. */
export const STATE_FILE_NAME = 'topology.json'

/** The version of {@link TopologyStateFile}; bump it when a field changes meaning. */
export const STATE_FILE_VERSION = 2

/** The databases of the topology, as `@faultline/topology` names them. */
export type StateDatabaseName =
  'catalog' | 'orders' | 'inventory' | 'payments' | 'search' | 'shipping'

/**
 * `<dir>/topology.json`: what `faultline up` leaves for `run`, `status` and `down` to find a
 * running topology. Everything a run needs to drive and inspect it without the process that
 * started it: entry points, database and broker addresses, and the pids signals go to.
 */
export interface TopologyStateFile {
  readonly version: typeof STATE_FILE_VERSION
  /** ISO time it was written. */
  readonly startedAt: string
  /** Pid of the `faultline up` process that owns the topology (`down` signals it). */
  readonly ownerPid: number
  /** The topology's run dir (logs). */
  readonly runDir: string
  /** Prefix of topics, groups and cache keys. */
  readonly namespace: string
  /** Base URL per service (first instance), plus `catalog-query-lb`. */
  readonly endpoints: Readonly<Record<string, string>>
  /** Primary and standby URL per database. */
  readonly databases: Readonly<
    Record<StateDatabaseName, { readonly url: string; readonly replicaUrl: string }>
  >
  readonly kafkaBrokers: readonly string[]
  readonly redisUrl: string
  /** The Postgres server URLs (no database). */
  readonly postgresUrl: string
  readonly postgresReplicaUrl: string
  /** Pids by process name: `postgres`, `redis`, `kafka`, `catalog-query#0`, `relay-catalog#0`. */
  readonly pids: Readonly<Record<string, number>>
  /** How to get tokens the services accept: every route but the probes needs one. */
  readonly auth: StateFileAuth
}

/** The token side of a state file. */
export interface StateFileAuth {
  /** Where the services fetch the public keys. */
  readonly jwksUrl: string
  readonly issuer: string
  readonly audience: string
  /** The signing keys (`KeySet.export()`, mode 0600), for minting tokens. */
  readonly keysFile: string
}

/** Writes the state file (pretty JSON, so people can read it). */
export function writeStateFile(file: string, state: TopologyStateFile): void {
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`)
}

/** Reads and checks a state file, refusing one that is missing, not JSON or of another version. */
export function readStateFile(file: string): TopologyStateFile {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'))
  } catch (cause) {
    throw new CliError(
      'E_CLI_INVALID_OPTION',
      `Cannot read the topology state file ${file}: ${describeError(cause)}; start one with \`faultline up\` or pass the file it wrote.`,
      { cause },
    )
  }
  const state = parsed as Partial<TopologyStateFile> | null
  if (
    state?.version !== STATE_FILE_VERSION ||
    typeof state.endpoints !== 'object' ||
    typeof state.databases !== 'object' ||
    !Array.isArray(state.kafkaBrokers) ||
    typeof state.auth?.keysFile !== 'string'
  )
    throw new CliError(
      'E_CLI_INVALID_OPTION',
      `${file} is not a version ${STATE_FILE_VERSION} topology state file; restart the topology with this version's \`faultline up\`.`,
    )
  return state as TopologyStateFile
}
