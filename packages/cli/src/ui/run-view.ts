import { writeFileSync } from 'node:fs'
import type { RunEvent } from '../core/events.js'
import { EVENTS_SCHEMA } from '../core/events.js'
import { progressLine } from './progress-line.js'
import { renderSummary } from './summary-text.js'

/** Renders one run's progress events; `close()` once the last event is in. */
export interface RunView {
  event(event: RunEvent): void
  close(): Promise<void>
}

/** Where a view writes and how it stops a run. */
export interface ViewIo {
  readonly stdout: NodeJS.WritableStream
  readonly stdin?: NodeJS.ReadableStream
  /** Stops the run as SIGINT does (the dashboard's `q` and Ctrl-C). */
  readonly interrupt?: () => void
  /** Told while a dashboard owns the terminal (so nothing else writes to it). */
  readonly onDashboard?: (active: boolean) => void
}

/** Which output: NDJSON, the live dashboard (TTY only) or plain lines. */
export type ViewKind = 'json' | 'dashboard' | 'plain'

/**
 * The output a run gets: NDJSON with `--json`; the dashboard on a TTY unless turned off or in CI;
 * else plain lines. In CI (`CI` or `CONTINUOUS_INTEGRATION` set, as runners do) ink draws only
 * the last frame, so a dashboard would stay blank for the whole run: plain progress lines say more.
 */
export function viewKind(
  io: ViewIo,
  flags: { json?: boolean; dashboard?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): ViewKind {
  if (flags.json === true) return 'json'
  const tty = (stream: unknown) => (stream as { isTTY?: boolean } | undefined)?.isTTY === true
  const live = flags.dashboard !== false && !inCi(env) && tty(io.stdout) && tty(io.stdin)
  return live ? 'dashboard' : 'plain'
}

/** Whether a CI runner's environment is set, read the way ink reads it. */
export function inCi(env: NodeJS.ProcessEnv): boolean {
  const set = (key: string) => key in env && env[key] !== '0' && env[key] !== 'false'
  return set('CI') || set('CONTINUOUS_INTEGRATION')
}

/** Makes the view of one run (the dashboard's code is loaded only when it is used). */
export async function createRunView(kind: ViewKind, io: ViewIo): Promise<RunView> {
  if (kind === 'json') return jsonView(io.stdout)
  if (kind === 'plain') return plainView(io.stdout)
  return dashboardView(io)
}

function jsonView(stdout: NodeJS.WritableStream): RunView {
  return {
    event: (event) =>
      stdout.write(
        `${JSON.stringify(event.type === 'run:finished' ? { ...event.summary, type: 'summary' } : event)}\n`,
      ),
    close: () => Promise.resolve(),
  }
}

function plainView(stdout: NodeJS.WritableStream): RunView {
  return {
    event(event) {
      if (event.type === 'run:finished') {
        stdout.write(`\n${renderSummary(event.summary)}`)
        return
      }
      const line = progressLine(event)
      if (line !== undefined) stdout.write(`${line}\n`)
    },
    close: () => Promise.resolve(),
  }
}

async function dashboardView(io: ViewIo): Promise<RunView> {
  // React's development build checks every element it makes; this process is no one's dev build.
  process.env.NODE_ENV ??= 'production'
  const { startDashboard } = await import('./dashboard/start-dashboard.js')
  let stopping = false
  io.onDashboard?.(true)
  const dashboard = startDashboard({
    stdout: io.stdout as NodeJS.WriteStream,
    stdin: io.stdin as NodeJS.ReadStream,
    onQuit: () => {
      if (!stopping) {
        stopping = true
        dashboard.push({
          schema: EVENTS_SCHEMA,
          type: 'warning:raised',
          elapsedMs: 0,
          message: 'stopping: reverting faults, writing a partial summary (q again exits at once)',
        })
      }
      io.interrupt?.()
    },
  })
  let summary = ''
  const startedAt = Date.now()
  return {
    event(event) {
      dashboard.push(event)
      if (event.type === 'run:finished') summary = renderSummary(event.summary)
    },
    async close() {
      await dashboard.finish()
      io.onDashboard?.(false)
      // For bench/dashboard: how often it redrew, to check the 4-a-second bound on a real run.
      const stats = process.env.FAULTLINE_DASHBOARD_STATS
      if (stats !== undefined && stats !== '')
        writeFileSync(
          stats,
          JSON.stringify({ renders: dashboard.renders(), ms: Date.now() - startedAt }),
        )
      if (summary !== '') io.stdout.write(`\n${summary}`)
    },
  }
}
