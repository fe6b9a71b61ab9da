import type { HistoryEvent } from '../history/events.js'
import { createRunClock, type RunClock } from './clock.js'
import { describeError } from './errors.js'
import { EVENTS_SCHEMA, type RunEvent, type RunPhase } from './events.js'
import { FaultRunner } from './fault-runner.js'
import { createHistoryRecorder, type HistoryRecorder } from './history/recorder.js'
import { ClosedWorkloadRunner } from './load/closed-model.js'
import { createHttpClient } from './load/http-client.js'
import type { LoadContext } from './load/load-context.js'
import { OpenWorkloadRunner } from './load/open-model.js'
import { createRandom } from './random.js'
import {
  createRunDir,
  logLine,
  serializableScenario,
  writeJson,
  type RunFiles,
  type ScenarioRecord,
} from './run-dir.js'
import type { PreparedRun } from './run.js'
import { startSampler } from './sampler.js'
import { finishRun, type RunOutcome } from './run-finish.js'
import { checkAndEvaluate } from './run-check.js'
import { summarizeFault } from './summary-build.js'
import type { CheckSummary } from './summary-types.js'
import type { Target } from './target.js'

type Emit = (event: RunEvent) => void

/** The state of one run while it executes. */
export interface RunState {
  readonly prepared: PreparedRun
  readonly files: RunFiles
  readonly clock: RunClock
  readonly recorder: HistoryRecorder
  readonly signal: AbortSignal
  readonly emit: Emit
  readonly warnings: string[]
  target?: Target
  loadStartUs?: number
  loadEndUs?: number
  faults?: FaultRunner
  runners: (OpenWorkloadRunner | ClosedWorkloadRunner)[]
  quiesced: boolean | null
  readonly checks: CheckSummary[]
}

/** Executes a prepared run to its summary, emitting progress; never throws. */
export async function executeRun(prepared: PreparedRun, emit: Emit): Promise<void> {
  const clock = createRunClock()
  const files = createRunDir(prepared.options.outDir)
  const recorder = createHistoryRecorder({ file: files.history })
  const signal = prepared.options.signal ?? new AbortController().signal
  const state: RunState = {
    prepared,
    files,
    clock,
    recorder,
    signal,
    emit,
    warnings: [],
    runners: [],
    quiesced: null,
    checks: [],
  }
  writeScenarioRecord(state)
  emitStarted(state)
  let outcome: RunOutcome
  try {
    outcome = await drive(state)
  } catch (error) {
    logLine(files.engineLog, `error: ${describeError(error)}`)
    outcome = { kind: 'error', error: describeError(error) }
  }
  await finishRun(state, outcome)
}

async function drive(state: RunState): Promise<RunOutcome> {
  const { prepared, signal } = state
  mark(state, 'run-start')
  phase(state, 'starting')
  try {
    state.target = await prepared.options.target.open({
      scenario: prepared.scenario,
      seed: prepared.seed,
      runDir: state.files.runDir,
      logDir: state.files.logs,
      signal,
    })
    if (signal.aborted) return { kind: 'interrupted' }
    await runLoad(state, state.target)
    if (signal.aborted) return { kind: 'interrupted' }
    await quiesce(state, state.target)
    if (signal.aborted) return { kind: 'interrupted' }
    await checkAndEvaluate(state, state.target)
    return signal.aborted ? { kind: 'interrupted' } : { kind: 'completed' }
  } finally {
    await state.faults?.revertAll()
  }
}

async function runLoad(state: RunState, target: Target): Promise<void> {
  const { prepared, clock, recorder, signal } = state
  const http = createHttpClient()
  let processIds = 0
  const loadStartUs = clock.nowUs()
  state.loadStartUs = loadStartUs
  const context: LoadContext = {
    target,
    recorder,
    metrics: prepared.metrics,
    clock,
    random: createRandom(prepared.seed),
    signal,
    http,
    loadStartUs,
    newProcessId: () => ++processIds,
    warn: (message) => warn(state, message),
  }
  state.runners = prepared.scenario.workloads.map((w) =>
    w.model === 'open' ? new OpenWorkloadRunner(context, w) : new ClosedWorkloadRunner(context, w),
  )
  state.faults = new FaultRunner({
    target,
    schedule: prepared.schedule,
    recorder,
    metrics: prepared.metrics,
    clock,
    signal,
    onChange: (which, outcome) =>
      emitEvent(state, {
        type: which === 'start' ? 'fault:started' : 'fault:ended',
        fault: summarizeFault(outcome, loadStartUs),
      }),
  })
  const stopSampler = startSampler({
    clock,
    loadStartUs,
    intervalMs: prepared.options.sampleIntervalMs ?? 1000,
    stats: state.runners.map((r) => r.stats),
    target,
    metrics: prepared.metrics,
    activeFaults: () => activeFaultIds(state),
    timelineFile: state.files.timeline,
    emit: (event) => state.emit(event),
    warn: (message) => warn(state, message),
  })
  mark(state, 'load-start')
  phase(state, 'load', { remainingMs: prepared.scenario.loadDurationMs })
  state.faults.start(loadStartUs)
  try {
    await Promise.all(state.runners.map((runner) => runner.run()))
  } finally {
    await state.faults.revertAll()
    state.loadEndUs = clock.nowUs()
    mark(state, signal.aborted ? 'interrupted' : 'load-end')
    await stopSampler()
    await http.close()
  }
}

async function quiesce(state: RunState, target: Target): Promise<void> {
  phase(state, 'quiescing')
  const deadline = Date.now() + state.prepared.scenario.quiesceMs
  const pollMs = state.prepared.options.quiescePollMs ?? 250
  let detail = ''
  while (!state.signal.aborted) {
    const report = (await target.quiescence?.()) ?? { quiet: true }
    if (report.quiet) {
      state.quiesced = true
      mark(state, 'quiesced')
      return
    }
    detail = JSON.stringify(report.detail ?? {})
    if (Date.now() >= deadline) break
    await new Promise((resolve) => setTimeout(resolve, pollMs))
  }
  if (state.signal.aborted) return
  state.quiesced = false
  warn(
    state,
    `the target did not settle within ${state.prepared.scenario.quiesceMs}ms (still waiting for ${detail}); checking anyway`,
  )
}

function activeFaultIds(state: RunState): number[] {
  return (state.faults?.results() ?? [])
    .filter((o) => o.startedUs !== undefined && o.endedUs === undefined)
    .map((o) => o.fault.id)
}

/** Records a phase mark in the history. */
export function mark(state: RunState, name: Extract<HistoryEvent, { type: 'mark' }>['name']): void {
  state.recorder.record({ type: 'mark', time: state.clock.nowUs(), name })
}

/** Emits a phase change. */
export function phase(state: RunState, name: RunPhase, extra: { remainingMs?: number } = {}): void {
  emitEvent(state, { type: 'phase:changed', phase: name, ...extra })
}

/** Emits a warning and logs it. */
export function warn(state: RunState, message: string): void {
  state.warnings.push(message)
  logLine(state.files.engineLog, `warning: ${message}`)
  emitEvent(state, { type: 'warning:raised', message })
}

/** Emits an event with the schema and elapsed time filled in. */
export function emitEvent(
  state: RunState,
  event: DistributiveOmit<RunEvent, 'schema' | 'elapsedMs'>,
): void {
  state.emit({
    schema: EVENTS_SCHEMA,
    elapsedMs: Math.round(state.clock.nowUs() / 1000),
    ...event,
  })
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

function writeScenarioRecord(state: RunState): void {
  const { prepared } = state
  const record: ScenarioRecord = {
    schema: 'faultline.scenario-run/v1',
    source: prepared.options.source ?? { kind: 'inline' },
    seed: prepared.seed,
    overrides: prepared.scenario.overrides,
    target: prepared.description.name,
    scenario: serializableScenario(prepared.scenario),
    schedule: prepared.schedule,
  }
  writeJson(state.files.scenario, record)
}

function emitStarted(state: RunState): void {
  const { prepared } = state
  emitEvent(state, {
    type: 'run:started',
    scenario: prepared.scenario.name,
    seed: prepared.seed,
    smoke: prepared.scenario.overrides.smoke === true,
    runDir: state.files.runDir,
    target: {
      name: prepared.description.name,
      measuresReality: prepared.description.measuresReality,
    },
    loadDurationMs: prepared.scenario.loadDurationMs,
    workloads: prepared.scenario.workloads.map((w) => ({ name: w.name, model: w.model })),
    schedule: prepared.schedule,
    checks: prepared.scenario.checks.map((check) => check.name),
    thresholds: Object.entries(prepared.scenario.thresholds).flatMap(([metric, conditions]) =>
      conditions.map((condition) => `${metric} ${condition}`),
    ),
  })
  phase(state, 'validating')
}
