import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { compareRuns } from '../compare/compare.js'
import { parseTolerance, readSide } from '../compare/load-side.js'
import { CliError, describeError } from '../core/errors.js'
import { randomSeed } from '../core/random.js'
import { defaultRunDir, type ScenarioRecord } from '../core/run-dir.js'
import { prepareRun, startRun } from '../core/run.js'
import { loadScenario } from '../core/scenario-loader.js'
import type { RunSummary } from '../core/summary-types.js'
import { resolveTarget } from '../core/targets.js'
import { chooseTarget } from '../targets/choose-target.js'
import { TopologyKeeper } from '../targets/topology/keeper.js'
import { topologyProvider } from '../targets/topology/provider.js'
import { holdTopology, refuseIfUp } from './topology/hold.js'
import { upFiles } from './topology/up-state.js'
import type { TargetProvider } from '../core/target.js'
import { writeReport } from '../report/write-report.js'
import { renderComparison } from '../ui/compare-text.js'
import { renderJunit } from '../ui/junit.js'
import { createRunView, viewKind, type ViewIo } from '../ui/run-view.js'
import {
  parseDurationFlag,
  parseRate,
  parseRepeat,
  parseSeed,
  readReplay,
  replayArgument,
} from './run-flags.js'

/** The flags of `faultline run`, as commander gives them. */
export interface RunFlags {
  readonly duration?: string
  readonly rate?: string
  readonly seed?: string
  readonly smoke?: boolean
  readonly json?: boolean
  readonly junit?: string
  readonly out?: string
  readonly keepUp?: boolean
  readonly replay?: string
  readonly target?: string
  /** `--infra auto|local|docker|external|embedded`; ignored when `--target` names the target. */
  readonly infra?: string
  /** `--no-dashboard` sets false. */
  readonly dashboard?: boolean
  /** `--no-report` sets false; on by default. */
  readonly report?: boolean
  readonly baseline?: string
  readonly tolerance?: string
  readonly repeat?: string
}

/** Where output goes (tests pass their own). */
export interface RunIo extends ViewIo {
  readonly signal: AbortSignal
  readonly target?: TargetProvider
}

/** Exit codes, worst first: interrupted, error, failed, passed. */
const SEVERITY = [130, 1, 99, 0] as const

/**
 * `faultline run`: loads, validates, runs (N times with `--repeat`), prints, writes the report
 * and compares against `--baseline`; returns the exit code.
 */
export async function runCommand(
  argument: string | undefined,
  flags: RunFlags,
  io: RunIo,
): Promise<number> {
  const overrides = {
    ...(flags.smoke === true ? { smoke: true } : {}),
    ...(flags.duration === undefined ? {} : { durationMs: parseDurationFlag(flags.duration) }),
    ...(flags.rate === undefined ? {} : { rate: parseRate(flags.rate) }),
  }
  const repeat = parseRepeat(flags.repeat)
  const tolerance = parseTolerance(flags.tolerance ?? '10%')
  // Read the baseline first: a wrong path fails before minutes of load, not after.
  const baseline = flags.baseline === undefined ? undefined : readSide(flags.baseline)
  const replay = flags.replay === undefined ? undefined : readReplay(flags.replay)
  const loaded = await loadScenario(argument ?? replayArgument(replay))
  const keeper = flags.keepUp === true ? keeperFor(io) : undefined
  const target = io.target ?? (await pickTarget(flags, io, keeper))
  // One seed for every repetition: the runs differ only by the system's own noise.
  const seed = parseSeed(flags.seed) ?? replay?.seed ?? randomSeed()
  const outBase = flags.out ?? defaultRunDir(process.cwd(), loaded.scenario.name)
  const summaries: RunSummary[] = []
  for (let i = 1; i <= repeat; i++) {
    const outDir = repeat === 1 ? outBase : join(outBase, `run-${i}`)
    if (repeat > 1 && flags.json !== true)
      io.stdout.write(`\n== run ${i} of ${repeat}: ${outDir}\n`)
    const summary = await runOnce({ loaded, target, seed, replay, overrides, outDir }, flags, io)
    summaries.push(summary)
    if (flags.report !== false) await report(summary.files.runDir, flags, io.stdout)
    if (summary.status === 'interrupted' || io.signal.aborted) break
  }
  const last = summaries.at(-1) as RunSummary
  if (flags.junit !== undefined) writeFileSync(flags.junit, renderJunit(last))
  let exit = worst(summaries.map((s) => s.exitCode))
  if (baseline !== undefined) exit = worst([exit, gate(baseline, summaries, tolerance, flags, io)])
  if (keeper !== undefined) await keepUp(keeper, flags, io)
  return exit
}

/** `--keep-up` with the topology target: refused at once when a topology is already up. */
function keeperFor(io: RunIo): TopologyKeeper {
  if (io.target === undefined) refuseIfUp(upFiles())
  return new TopologyKeeper()
}

/**
 * After the run, keeps the topology it started up the way `faultline up` does, until Ctrl-C or
 * `faultline down`; an interrupted run stops it instead (Ctrl-C meant stop).
 */
async function keepUp(keeper: TopologyKeeper, flags: RunFlags, io: RunIo): Promise<void> {
  const handle = keeper.take()
  if (handle === undefined) {
    io.stdout.write(
      '  note: --keep-up has nothing to keep: this target did not start a topology (embedded, attached or a module).\n',
    )
    return
  }
  if (io.signal.aborted) {
    await handle.stop()
    return
  }
  if (flags.json !== true) io.stdout.write('\n')
  await holdTopology(handle, upFiles(), io)
}

/** `--target` names the target outright; otherwise `--infra` chooses (default auto). */
async function pickTarget(
  flags: RunFlags,
  io: RunIo,
  keeper: TopologyKeeper | undefined,
): Promise<TargetProvider> {
  if (flags.target === 'topology' && keeper !== undefined) return topologyProvider({ keeper })
  if (flags.target !== undefined) {
    if (flags.infra !== undefined)
      throw new CliError(
        'E_CLI_INVALID_OPTION',
        '--target and --infra both choose the system under test; pass only one of them.',
        { context: { option: 'infra', value: flags.infra } },
      )
    return resolveTarget(flags.target)
  }
  const chosen = await chooseTarget(flags.infra ?? 'auto')
  if (chosen.note !== undefined && flags.json !== true) io.stdout.write(`  note: ${chosen.note}\n`)
  if (keeper !== undefined && chosen.infra !== 'embedded') return topologyProvider({ keeper })
  return chosen.provider
}

interface OneRun {
  readonly loaded: Awaited<ReturnType<typeof loadScenario>>
  readonly target: TargetProvider
  readonly seed: number
  readonly replay: ScenarioRecord | undefined
  readonly overrides: Record<string, unknown>
  readonly outDir: string
}

async function runOnce(run: OneRun, flags: RunFlags, io: RunIo): Promise<RunSummary> {
  const prepared = prepareRun({
    scenario: run.loaded.scenario,
    source: run.loaded.source,
    target: run.target,
    outDir: run.outDir,
    seed: run.seed,
    resolve: { ...(run.replay?.overrides ?? {}), ...run.overrides },
    ...(run.replay === undefined ? {} : { schedule: run.replay.schedule }),
    signal: io.signal,
  })
  const view = await createRunView(viewKind(io, flags), io)
  let summary: RunSummary | undefined
  try {
    for await (const event of startRun(prepared)) {
      view.event(event)
      if (event.type === 'run:finished') summary = event.summary
    }
  } finally {
    await view.close()
  }
  if (summary === undefined)
    throw new CliError(
      'E_CLI_IO',
      'The run ended without a summary; see logs/engine.log in the run directory.',
    )
  return summary
}

/** Writes report.html; a report that cannot be written is said, and the run's outcome stands. */
async function report(
  runDir: string,
  flags: RunFlags,
  stdout: NodeJS.WritableStream,
): Promise<void> {
  let line: string
  try {
    line = `    report:   ${await writeReport(runDir)}\n`
  } catch (error) {
    line = `    report:   not written: ${describeError(error)}\n`
  }
  if (flags.json !== true) stdout.write(line)
}

/** Compares the runs with the baseline; 99 when a metric regressed beyond the tolerance. */
function gate(
  baseline: RunSummary[],
  current: RunSummary[],
  tolerance: number,
  flags: RunFlags,
  io: RunIo,
): number {
  const comparison = compareRuns(baseline, current, { tolerance })
  if (flags.json === true)
    io.stdout.write(`${JSON.stringify({ type: 'comparison', ...comparison })}\n`)
  else io.stdout.write(`\n  BASELINE\n\n${renderComparison(comparison)}`)
  return comparison.regressions.length > 0 ? 99 : 0
}

function worst(codes: readonly number[]): number {
  return SEVERITY.find((code) => codes.includes(code)) ?? 0
}
