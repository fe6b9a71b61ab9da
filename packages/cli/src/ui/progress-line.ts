import type { RunEvent } from '../core/events.js'
import { formatMs } from './format.js'

/**
 * The plain progress output for a non-TTY stdout (CI logs): one line per event worth a line, at
 * most one metrics line a second, no escape codes.
 */
export function progressLine(event: RunEvent): string | undefined {
  const at = `[${(event.elapsedMs / 1000).toFixed(1).padStart(6)}s]`
  switch (event.type) {
    case 'run:started':
      return `${at} run ${event.scenario} seed=${event.seed} target=${event.target.name} load=${event.loadDurationMs / 1000}s faults=${event.schedule.length} dir=${event.runDir}`
    case 'phase:changed':
      return `${at} phase ${event.phase}`
    case 'metrics:sampled':
      return `${at} ${event.workloads
        .map(
          (w) =>
            `${w.name}: ${w.rps} rps p50=${formatMs(w.p50Ms ?? undefined)} p99=${formatMs(w.p99Ms ?? undefined)} err=${w.errors} inflight=${w.inFlight}${w.late + w.dropped > 0 ? ` late=${w.late} dropped=${w.dropped}` : ''}`,
        )
        .join(
          ' | ',
        )}${event.activeFaults.length > 0 ? ` faults=${event.activeFaults.join(',')}` : ''}`
    case 'fault:started':
      return `${at} fault #${event.fault.id} ${event.fault.kind} ${event.fault.target} started`
    case 'fault:ended':
      return `${at} fault #${event.fault.id} ${event.fault.kind} ${event.fault.target} ${event.fault.error ?? 'ended'}`
    case 'check:finished':
      return `${at} check ${event.check.name}: ${event.check.verdict}`
    case 'thresholds:evaluated':
      return `${at} thresholds: ${event.thresholds.filter((t) => t.ok).length}/${event.thresholds.length} passed`
    case 'warning:raised':
      return `${at} warning: ${event.message}`
    case 'run:finished':
      return undefined
  }
}
