import { appendFileSync, mkdirSync, chownSync } from 'node:fs'
import { join } from 'node:path'
import type { PostgresOptions } from '../types.js'
import { findBinary } from '../local/binaries.js'
import { freePort } from '../local/free-port.js'
import { LocalServer } from '../local/local-server.js'
import { postgresRunAs, type OsUser } from '../local/os-user.js'
import { runCommand } from '../local/run-command.js'
import { ServerProcess, withPortRetry } from '../local/server-process.js'
import { withServerDir } from '../local/temp-dir.js'
import { pgAnswers, postgresUrl } from './pg-query.js'

const HOST = '127.0.0.1'
const HINT = {
  debianPackage: 'postgresql',
  envVars: ['FAULTLINE_PG_URL', 'FAULTLINE_PG_REPLICA_URL'],
}

/**
 * Settings for a disposable test cluster. `fsync=off` is safe here: a SIGKILLed server still has
 * its writes in the page cache, and only an OS crash (which also loses the temp dir) needs fsync.
 */
function primarySettings(socketDir: string): string {
  return [
    `listen_addresses = '${HOST}'`,
    `unix_socket_directories = '${socketDir}'`,
    'wal_level = logical',
    'max_wal_senders = 20',
    'max_replication_slots = 20',
    'track_commit_timestamp = on',
    'max_connections = 300',
    'shared_buffers = 64MB',
    'fsync = off',
    'full_page_writes = off',
    'hot_standby = on',
    'hot_standby_feedback = on',
    'wal_sender_timeout = 10s',
    "log_min_messages = 'warning'",
    '',
  ].join('\n')
}

/** Where one cluster's files live, and as whom its processes run. */
interface ClusterLayout {
  readonly root: string
  readonly owner: OsUser | undefined
}

function ownerIds(owner: OsUser | undefined): { uid?: number; gid?: number } {
  return owner === undefined ? {} : { uid: owner.uid, gid: owner.gid }
}

function makeDir(path: string, owner: OsUser | undefined): string {
  mkdirSync(path, { recursive: true, mode: 0o700 })
  if (owner !== undefined) chownSync(path, owner.uid, owner.gid)
  return path
}

async function initPrimary(layout: ClusterLayout): Promise<string> {
  const dataDir = join(layout.root, 'primary')
  const initdb = findBinary('initdb', HINT)
  await runCommand(
    initdb,
    ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-locale', '-E', 'UTF8', '--no-sync'],
    {
      ...ownerIds(layout.owner),
      env: { ...process.env, LC_ALL: 'C' },
    },
  )
  appendFileSync(join(dataDir, 'postgresql.conf'), primarySettings(layout.root))
  return dataDir
}

/** Starts `postgres -D dataDir` on a fresh port, retrying when another process takes the port. */
async function startServer(
  service: string,
  dataDir: string,
  layout: ClusterLayout,
): Promise<LocalServer> {
  const postgres = findBinary('postgres', HINT)
  return withPortRetry(async () => {
    const port = await freePort(HOST)
    const url = postgresUrl(HOST, port)
    const server = new LocalServer({
      service,
      host: HOST,
      port,
      url,
      process: new ServerProcess({
        service,
        command: postgres,
        args: ['-D', dataDir, '-p', String(port)],
        logFile: `${dataDir}.log`,
        ...ownerIds(layout.owner),
      }),
      isReady: () => pgAnswers(url),
      stopSignal: 'SIGINT',
      dirs: [],
    })
    await server.start()
    return server
  })
}

async function cloneReplica(
  primary: LocalServer,
  layout: ClusterLayout,
  applyDelayMs: number,
): Promise<string> {
  const dataDir = join(layout.root, 'replica')
  const basebackup = findBinary('pg_basebackup', { ...HINT, debianPackage: 'postgresql-client' })
  await runCommand(
    basebackup,
    [
      '-h',
      HOST,
      '-p',
      String(primary.port),
      '-U',
      'postgres',
      '-D',
      dataDir,
      '-R',
      '-X',
      'stream',
      '--no-sync',
    ],
    ownerIds(layout.owner),
  )
  appendFileSync(
    join(dataDir, 'postgresql.auto.conf'),
    `recovery_min_apply_delay = '${applyDelayMs}ms'\nhot_standby = on\n`,
  )
  return dataDir
}

/** A started primary, and its standby when one was asked for. */
export interface LocalCluster {
  readonly root: string
  readonly primary: LocalServer
  readonly replica: LocalServer | undefined
}

/**
 * initdb + start a primary (and a `pg_basebackup -R` hot standby) under a fresh temp dir, which
 * goes again if any step fails.
 */
export async function startLocalCluster(options: PostgresOptions): Promise<LocalCluster> {
  const owner = postgresRunAs()
  return withServerDir(
    'postgres',
    async (root) => {
      const layout = { root: makeDir(root, owner), owner }
      const primary = await startServer('postgres', await initPrimary(layout), layout)
      if (options.replica !== true) return { root, primary, replica: undefined }
      try {
        const replicaDir = await cloneReplica(primary, layout, options.replicaApplyDelayMs ?? 0)
        return { root, primary, replica: await startServer('postgres-replica', replicaDir, layout) }
      } catch (error) {
        await primary.stop()
        throw error
      }
    },
    owner,
  )
}
