import { VERSION } from '../version.js'
import { describeError } from './errors.js'
import { describeMachine } from './machine.js'
import { logLine, writeJson } from './run-dir.js'
import { emitEvent, mark, phase, type RunState } from './run-execute.js'
import { summarizeFault, summarizeMetrics } from './summary-build.js'
import {
  SUMMARY_SCHEMA,
  type CheckSummary,
  type RunStatus,
  type RunSummary,
} from './summary-types.js'
import { evaluateThresholds, type ThresholdResult } from './thresholds.js'

/** How the run's body ended. */
export type RunOutcome =
  | { readonly kind: 'completed' }
  | { readonly kind: 'interrupted' }
  | { readonly kind: 'error'; readonly error: string }

const EXIT_CODES = { passed: 0, failed: 99, interrupted: 130, error: 1 } as const

/** Evaluates thresholds, writes the summary, closes everything and emits `run:finished`. */
export async function finishRun(state: RunState, outcome: RunOutcome): Promise<void> {
  const loadMs = loadDurationMs(state)
  const thresholds = evaluateThresholds(state.prepared.thresholds, state.prepared.metrics, loadMs)
  if (outcome.kind === 'completed') {
    phase(state, 'thresholds')
    emitEvent(state, { type: 'thresholds:evaluated', thresholds })
  }
  const checks =
    outcome.kind === 'completed' ? state.checks : [...state.checks, ...notRun(state, outcome.kind)]
  const status = statusOf(outcome, thresholds, checks)
  await closeTarget(state)
  if (outcome.kind === 'interrupted') phase(state, 'interrupted')
  else phase(state, 'done')
  mark(state, outcome.kind === 'interrupted' ? 'interrupted' : 'run-end')
  state.recorder.close()
  const summary = buildSummary(state, outcome, status, thresholds, checks, loadMs)
  writeJson(state.files.summary, summary)
  emitEvent(state, { type: 'run:finished', summary })
}

function statusOf(
  outcome: RunOutcome,
  thresholds: readonly ThresholdResult[],
  checks: readonly CheckSummary[],
): RunStatus {
  if (outcome.kind === 'error') return 'error'
  if (outcome.kind === 'interrupted') return 'interrupted'
  return thresholds.every((t) => t.ok) && checks.every((c) => c.ok) ? 'passed' : 'failed'
}

/** The scenario's checks that never ran, as `unknown` (never a pass). */
function notRun(state: RunState, why: 'interrupted' | 'error'): CheckSummary[] {
  const done = new Set(state.checks.map((c) => c.name))
  return state.prepared.scenario.checks
    .filter((check) => !done.has(check.name))
    .map((check) => ({
      name: check.name,
      guarantees: state.prepared.checkers.get(check.name)?.guarantees ?? [],
      verdict: 'unknown',
      ok: false,
      summary:
        why === 'interrupted' ? 'not run: the run was interrupted' : 'not run: the run failed',
      stats: {},
      counterexampleCount: 0,
      counterexamples: [],
    }))
}

async function closeTarget(state: RunState): Promise<void> {
  try {
    await state.target?.close()
  } catch (error) {
    logLine(state.files.engineLog, `error: closing the target: ${describeError(error)}`)
  }
}

function loadDurationMs(state: RunState): number {
  if (state.loadStartUs === undefined) return 0
  return Math.round(((state.loadEndUs ?? state.clock.nowUs()) - state.loadStartUs) / 1000)
}

function buildSummary(
  state: RunState,
  outcome: RunOutcome,
  status: RunStatus,
  thresholds: readonly ThresholdResult[],
  checks: readonly CheckSummary[],
  loadMs: number,
): RunSummary {
  const { prepared, files } = state
  const loadStartUs = state.loadStartUs ?? 0
  return {
    schema: SUMMARY_SCHEMA,
    status,
    exitCode: EXIT_CODES[status],
    interrupted: outcome.kind === 'interrupted',
    ...(outcome.kind === 'error' ? { error: outcome.error } : {}),
    scenario: {
      name: prepared.scenario.name,
      description: prepared.scenario.description,
      guarantees: prepared.scenario.guarantees,
    },
    seed: prepared.seed,
    smoke: prepared.scenario.overrides.smoke === true,
    startedAt: state.clock.startedAt.toISOString(),
    durationMs: Math.round(state.clock.nowUs() / 1000),
    loadDurationMs: loadMs,
    target: {
      name: prepared.description.name,
      measuresReality: prepared.description.measuresReality,
    },
    quiesced: state.quiesced,
    thresholds,
    checks,
    metrics: summarizeMetrics(prepared.metrics, loadMs),
    workloads: state.runners.map(({ stats }) => ({
      name: stats.name,
      model: stats.model,
      sent: stats.sent,
      completed: stats.completed,
      failed: stats.failed,
      dropped: stats.dropped,
      late: stats.late,
    })),
    faults: (state.faults?.results() ?? prepared.schedule.map((fault) => ({ fault }))).map((o) =>
      summarizeFault(o, loadStartUs),
    ),
    notes: notes(state),
    files: {
      runDir: files.runDir,
      summary: files.summary,
      history: files.history,
      scenario: files.scenario,
      timeline: files.timeline,
      logs: files.logs,
    },
    versions: { faultline: VERSION, node: process.version },
    machine: describeMachine(),
  }
}

function notes(state: RunState): string[] {
  const out: string[] = []
  const { description } = state.prepared
  if (!description.measuresReality) {
    out.push(
      `Target '${description.name}' runs in memory: nothing real was measured; latencies and throughput say nothing about a deployment.`,
    )
  }
  const late = state.runners.reduce((sum, r) => sum + r.stats.late, 0)
  const dropped = state.runners.reduce((sum, r) => sum + r.stats.dropped, 0)
  if (late > 0 || dropped > 0) {
    out.push(
      `The load generator fell behind: ${late} sends went out late and ${dropped} were dropped. Latency counts from each intended send time, so the wait is in the numbers; raise maxInFlight or lower the rate to send on time.`,
    )
  }
  if (state.quiesced === false)
    out.push('The target did not settle before checking; checkers may see work still in flight.')
  return [...out, ...state.warnings.map((w) => `Warning: ${w}`)]
}
