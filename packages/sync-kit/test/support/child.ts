import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const script = fileURLToPath(new URL('./relay-child.ts', import.meta.url))

/** A relay child process and what it printed. */
export interface RelayChild {
  readonly proc: ChildProcess
  /** Events the child reported as received. */
  received(): number
  /** Events the child reported as acknowledged by Kafka. */
  published(): number
  /** Status updates the child reported sending to Postgres (with `reportStatuses: true`). */
  statuses(): number
  /** Resolves once the child prints READY. */
  ready: Promise<void>
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>
}

/** Starts `relay-child.ts` with `node --import tsx`. */
export function spawnRelay(config: Record<string, unknown>): RelayChild {
  const proc = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let received = 0
  let published = 0
  let statuses = 0
  let out = ''
  let err = ''
  const ready = new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      for (const m of out.matchAll(/RECEIVED (\d+)/g)) received = Math.max(received, Number(m[1]))
      for (const m of out.matchAll(/PUBLISHED (\d+)/g))
        published = Math.max(published, Number(m[1]))
      for (const m of out.matchAll(/STATUS (\d+)/g)) statuses = Math.max(statuses, Number(m[1]))
      if (out.includes('READY')) resolve()
      out = out.slice(-200)
    })
    proc.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)))
    proc.once('exit', (code, signal) =>
      reject(new Error(`relay child exited (${code ?? signal}) before READY: ${err}`)),
    )
  })
  ready.catch(() => undefined)
  const exited = new Promise<void>((r) => proc.once('exit', () => r()))
  return {
    proc,
    ready,
    received: () => received,
    published: () => published,
    statuses: () => statuses,
    kill: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL')
      await exited
    },
  }
}
