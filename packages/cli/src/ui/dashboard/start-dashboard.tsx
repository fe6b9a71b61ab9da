/* @jsxRuntime automatic */
/* @jsxImportSource react */
// The pragmas keep JSX right when tsx runs this from a directory whose tsconfig lacks "jsx".
import { render } from 'ink'
import type { RunEvent } from '../../core/events.js'
import { supportsColor } from './ansi.js'
import { Dashboard } from './dashboard.js'
import { DashboardStore } from './dashboard-store.js'

/** Options of {@link startDashboard}. */
export interface StartDashboardOptions {
  readonly stdout: NodeJS.WriteStream
  readonly stdin: NodeJS.ReadStream
  /** `q` or Ctrl-C: stop the run the way SIGINT does. */
  readonly onQuit: () => void
  /** @default 250 (at most 4 redraws a second) */
  readonly minIntervalMs?: number
}

/** A running dashboard: feed it events, then finish it before printing anything else. */
export interface DashboardHandle {
  /** Folds a progress event in (redrawn within `minIntervalMs`). */
  push(event: RunEvent): void
  /** Draws the last frame, unmounts and gives the terminal back (cursor, raw mode). */
  finish(): Promise<void>
  /** Frames written so far. */
  renders(): number
}

/**
 * Mounts the live dashboard on a TTY for any source of progress events (`faultline run` now,
 * `faultline up` later). Ink's own frame rate is capped at the store's rate too.
 */
export function startDashboard(options: StartDashboardOptions): DashboardHandle {
  const minIntervalMs = options.minIntervalMs ?? 250
  const store = new DashboardStore({ minIntervalMs })
  let renders = 0
  const instance = render(
    <Dashboard store={store} onQuit={options.onQuit} color={supportsColor(options.stdout)} />,
    {
      stdout: options.stdout,
      stdin: options.stdin,
      exitOnCtrlC: false,
      patchConsole: true,
      maxFps: Math.max(1, Math.floor(1000 / minIntervalMs)),
      onRender: () => {
        renders++
      },
    },
  )
  return {
    push: (event) => store.push(event),
    async finish() {
      store.flush()
      // Let React commit the last model before the tree goes.
      await new Promise((resolve) => setTimeout(resolve, minIntervalMs))
      instance.unmount()
      store.close()
      await instance.waitUntilExit()
    },
    renders: () => renders,
  }
}
