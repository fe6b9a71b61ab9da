import { existsSync, readdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { delimiter, join } from 'node:path'

/** One thing doctor looks for. */
export interface DoctorItem {
  readonly name: string
  readonly ok: boolean
  /** Where it was found, or what is wrong. */
  readonly detail: string
  /** The command that installs it, when missing. */
  readonly fix?: string
}

const BINARIES: readonly { name: string; commands: string[]; fix: string; why: string }[] = [
  {
    name: 'postgres',
    commands: ['postgres', 'pg_ctl', 'initdb'],
    fix: 'apt-get install -y postgresql',
    why: 'local Postgres primary and replica',
  },
  {
    name: 'redis',
    commands: ['redis-server'],
    fix: 'apt-get install -y redis-server',
    why: 'local Redis',
  },
  {
    name: 'java',
    commands: ['java'],
    fix: 'apt-get install -y default-jre-headless',
    why: 'local Kafka, Zipkin',
  },
  {
    name: 'mvn',
    commands: ['mvn'],
    fix: 'apt-get install -y maven',
    why: 'resolves the Kafka jars once',
  },
  {
    name: 'nginx',
    commands: ['nginx'],
    fix: 'apt-get install -y nginx',
    why: 'load balancer (a Node proxy is used without it)',
  },
  {
    name: 'prometheus',
    commands: ['prometheus'],
    fix: 'apt-get install -y prometheus',
    why: 'metrics scraping',
  },
  {
    name: 'chromium',
    commands: ['chromium', 'chromium-browser'],
    fix: 'apt-get install -y chromium',
    why: 'report screenshots',
  },
  {
    name: 'haproxy',
    commands: ['haproxy'],
    fix: 'apt-get install -y haproxy',
    why: 'alternative load balancer',
  },
]

const ENV_VARS = [
  'FAULTLINE_PROVIDER',
  'FAULTLINE_PG_URL',
  'FAULTLINE_PG_REPLICA_URL',
  'FAULTLINE_REDIS_URL',
  'FAULTLINE_KAFKA_BROKERS',
  'FAULTLINE_CACHE_DIR',
  'DOCKER_HOST',
]

/** Looks for a command on PATH and in Debian's Postgres directories. */
export function findCommand(command: string, path = process.env.PATH ?? ''): string | undefined {
  const dirs = path.split(delimiter).filter(Boolean)
  const pgRoot = '/usr/lib/postgresql'
  if (existsSync(pgRoot))
    for (const version of readdirSync(pgRoot)) dirs.push(join(pgRoot, version, 'bin'))
  return dirs.map((dir) => join(dir, command)).find((file) => existsSync(file))
}

/** Everything doctor checks, without printing. */
export function diagnose(): DoctorItem[] {
  const items: DoctorItem[] = [nodeItem()]
  for (const binary of BINARIES) {
    const found = binary.commands.map((c) => findCommand(c)).find((f) => f !== undefined)
    items.push({
      name: binary.name,
      ok: found !== undefined,
      detail: found ?? `missing (${binary.why})`,
      ...(found === undefined ? { fix: binary.fix } : {}),
    })
  }
  items.push(dockerItem(), cacheItem())
  for (const name of ENV_VARS) {
    const value = process.env[name]
    items.push({
      name: `env ${name}`,
      ok: true,
      detail: value === undefined ? 'unset' : redact(value),
    })
  }
  return items
}

function nodeItem(): DoctorItem {
  const major = Number(process.versions.node.split('.')[0])
  if (major < 20)
    return {
      name: 'node',
      ok: false,
      detail: `${process.version}: Faultline needs Node 20 or later`,
      fix: 'install Node 22 or 24 LTS',
    }
  const note = major === 20 ? ' (past end of life: Node 24 LTS is recommended)' : ''
  return { name: 'node', ok: true, detail: `${process.version}${note}` }
}

function dockerItem(): DoctorItem {
  const socket = process.env.DOCKER_HOST ?? '/var/run/docker.sock'
  const found = socket.startsWith('unix://')
    ? existsSync(socket.slice(7))
    : existsSync(socket) || socket.startsWith('tcp://')
  return found
    ? { name: 'docker engine', ok: true, detail: socket }
    : {
        name: 'docker engine',
        ok: false,
        detail: 'none (optional: infra runs local processes without it)',
        fix: 'apt-get install -y docker.io',
      }
}

function cacheItem(): DoctorItem {
  const root = process.env.FAULTLINE_CACHE_DIR ?? join(homedir(), '.cache', 'faultline')
  const entries = existsSync(root) ? readdirSync(root) : []
  const jars = entries.filter((e) => /kafka|zipkin|elasticmq|connect/i.test(e))
  return jars.length > 0
    ? { name: 'cached jars', ok: true, detail: `${root}: ${jars.join(', ')}` }
    : {
        name: 'cached jars',
        ok: false,
        detail: `${root}: none yet`,
        fix: 'resolved on first use (needs mvn); or npm test once',
      }
}

function redact(value: string): string {
  return value.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@')
}

/** `faultline doctor`: prints what is available and how to install what is missing. */
export function doctorCommand(stdout: NodeJS.WritableStream, json = false): number {
  const items = diagnose()
  if (json) {
    stdout.write(`${JSON.stringify({ schema: 'faultline.doctor/v1', items })}\n`)
    return 0
  }
  const width = Math.max(...items.map((i) => i.name.length))
  for (const item of items) {
    stdout.write(
      `${item.ok ? '✓' : '✗'} ${item.name.padEnd(width)}  ${item.detail}${item.fix === undefined ? '' : `\n    install: ${item.fix}`}\n`,
    )
  }
  return 0
}
