import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { KeySet, TopologyHandle } from '@faultline/topology'
import {
  STATE_FILE_NAME,
  STATE_FILE_VERSION,
  writeStateFile,
  type TopologyStateFile,
} from '../../targets/topology/index.js'

/** Where `faultline up` keeps its state unless `--dir` says otherwise. */
export const DEFAULT_UP_DIR = '.faultline/up'

/** The key set document `faultline up` writes for `faultline token` (a secret: mode 0600). */
export const KEYS_FILE_NAME = 'keys.json'

/** The files of one `up` dir. */
export interface UpFiles {
  readonly dir: string
  readonly state: string
  readonly keys: string
  readonly logs: string
}

/** The paths `up`, `down`, `status` and `token` share. */
export function upFiles(dir: string = DEFAULT_UP_DIR): UpFiles {
  return {
    dir,
    state: join(dir, STATE_FILE_NAME),
    keys: join(dir, KEYS_FILE_NAME),
    logs: join(dir, 'logs'),
  }
}

/** Pids by process name: each service's first instance under its name, every one as `name#i`. */
function servicePids(handle: TopologyHandle): Record<string, number> {
  const pids: Record<string, number> = {}
  for (const name of handle.services()) {
    handle
      .service(name)
      .instances()
      .forEach((instance, index) => {
        if (instance.pid === undefined) return
        pids[`${name}#${index}`] = instance.pid
        if (index === 0) pids[name] = instance.pid
      })
  }
  return pids
}

/** The state file of a running topology, as `run --target <file>` and `status` read it. */
export function stateOf(
  handle: TopologyHandle,
  ownerPid: number,
  files: UpFiles,
): TopologyStateFile {
  const { infra } = handle
  const { jwksUrl, issuer, audience } = handle.auth
  return {
    version: STATE_FILE_VERSION,
    startedAt: new Date().toISOString(),
    ownerPid,
    runDir: handle.runDir,
    namespace: '',
    endpoints: handle.endpoints(),
    databases: handle.databases,
    kafkaBrokers: [...infra.kafka.brokers],
    redisUrl: infra.redis.url,
    postgresUrl: infra.postgres.url,
    postgresReplicaUrl: infra.postgres.replicaUrl ?? infra.postgres.url,
    pids: servicePids(handle),
    auth: { jwksUrl, issuer, audience, keysFile: resolve(files.keys) },
  }
}

/** Writes the state and key files; the key file (the topology's signing keys) only its owner can read. */
export function writeUpFiles(files: UpFiles, state: TopologyStateFile, keySet: KeySet): void {
  mkdirSync(files.dir, { recursive: true })
  writeFileSync(files.keys, `${JSON.stringify(keySet.export())}\n`, { mode: 0o600 })
  writeStateFile(files.state, state)
}

/** Removes what {@link writeUpFiles} wrote (the logs stay for reading). */
export function removeUpFiles(files: UpFiles): void {
  rmSync(files.state, { force: true })
  rmSync(files.keys, { force: true })
}
