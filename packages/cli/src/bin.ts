#!/usr/bin/env node
import { setMaxListeners } from 'node:events'
import { Command, CommanderError, InvalidArgumentError } from 'commander'
import { benchCommand, BENCH_AREAS } from './commands/bench.js'
import { compareCommand, type CompareFlags } from './commands/compare.js'
import { doctorCommand } from './commands/doctor.js'
import { listCommand } from './commands/list.js'
import { reportCommand } from './commands/report.js'
import { runCommand, type RunFlags } from './commands/run.js'
import { downCommand } from './commands/topology/down.js'
import { statusCommand } from './commands/topology/status.js'
import { tokenCommand, type TokenFlags } from './commands/topology/token.js'
import { upCommand, type UpFlags } from './commands/topology/up.js'
import { DEFAULT_UP_DIR } from './commands/topology/up-state.js'
import { describeError } from './core/errors.js'
import { VERSION } from './version.js'

/** Exit code for an error the user can fix (bad flags, unknown scenario, a run that could not start). */
const EXIT_ERROR = 1

const RUN_HELP = `
Examples:
  $ faultline run catalog-read-storm --smoke
  $ faultline run order-saga-happy --smoke --infra embedded
  $ faultline run ./my-scenario.ts --duration 2m --rate 300 --seed 42
  $ faultline run catalog-read-storm --json > events.ndjson --junit junit.xml
  $ faultline run --replay .faultline/runs/2026-12-07T16-00-00-000Z-catalog-read-storm
  $ faultline run catalog-read-storm --repeat 5 --out runs/after --baseline runs/before --tolerance 10%

On a terminal the run shows a live dashboard (q or Ctrl-C stops it cleanly); --no-dashboard
prints plain lines. report.html is written into the run dir unless --no-report.

Exit codes: 0 every threshold and check passed, 99 one failed (an unknown check fails) or a
metric regressed against --baseline, 1 an error (the message says what to do), 130 interrupted (Ctrl-C; faults are reverted and
a partial summary is written).`

/** How the command line stops a run: SIGINT, SIGTERM, or the dashboard's q / Ctrl-C. */
interface Interruption {
  readonly interrupt: () => void
  readonly onDashboard: (active: boolean) => void
}

function buildProgram(controller: AbortController, stop: Interruption): Command {
  const program = new Command('faultline')
    .version(VERSION)
    .description('Load, faults and consistency checks on one seeded timeline, as CI gates.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addHelpText(
      'after',
      `\nExamples:\n  $ faultline doctor\n  $ faultline list\n  $ faultline run catalog-read-storm --smoke\n  $ faultline report .faultline/runs/<run>\n  $ faultline compare runs/before runs/after\n  $ faultline bench cache`,
    )
  program
    .command('run')
    .description(
      'run a scenario (library name or a .ts file) and gate on its thresholds and checks',
    )
    .argument('[scenario]', 'a library scenario name or a scenario file (.ts/.js)')
    .option(
      '--duration <d>',
      "scale the load (and the fault schedule) to last this long, e.g. '30s', '2m'",
    )
    .option('--rate <n>', 'scale the open workloads so the peak is <n> arrivals per second')
    .option('--seed <n>', 'seed for the fault schedule and the operation mix (0..4294967295)')
    .option('--smoke', "run the scenario's smoke variant (at most 60 s of load)")
    .option(
      '--json',
      'print NDJSON progress events, then the summary object (schema faultline.summary/v1)',
    )
    .option('--junit <file>', 'write JUnit XML: one test case per threshold and check')
    .option('--out <dir>', 'run directory (default .faultline/runs/<time>-<scenario>)')
    .option(
      '--keep-up',
      'after the run, keep the topology it started up (as `faultline up`) until Ctrl-C or `faultline down`',
    )
    .option('--replay <dir>', 'rerun a previous run with its seed, overrides and fault schedule')
    .option(
      '--infra <mode>',
      'auto|local|docker|external|embedded; embedded runs the kits in memory (nothing real measured) (default auto)',
    )
    .option(
      '--target <name|module>',
      'the system under test instead of --infra: a registered target (embedded), or a module exporting a TargetProvider',
    )
    .option('--no-dashboard', 'plain progress lines even on a terminal (never escape codes)')
    .option('--report', 'write report.html into the run dir (the default)')
    .option('--no-report', 'do not write report.html')
    .option('--repeat <n>', 'run N times under --out (run-1 ... run-N) with one seed, for compare')
    .option(
      '--baseline <run-dir|summary.json>',
      'compare with earlier run(s); exit 99 when a metric regressed beyond --tolerance',
    )
    .option('--tolerance <pct>', 'change allowed against --baseline, e.g. 10% (default 10%)')
    .addHelpText('after', RUN_HELP)
    .action(async (scenario: string | undefined, flags: RunFlags) => {
      process.exitCode = await runCommand(scenario, flags, {
        stdout: process.stdout,
        stdin: process.stdin,
        signal: controller.signal,
        ...stop,
      })
    })
  addTopologyCommands(program, controller)
  program
    .command('report')
    .description(
      'write the self-contained report.html of a run directory (charts, checks, history)',
    )
    .argument('<run-dir>', 'a run directory that faultline run wrote')
    .option('--out <file>', 'where to write it (default <run-dir>/report.html)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ faultline report .faultline/runs/2026-12-07T16-00-00-000Z-catalog-read-storm',
    )
    .action(async (runDir: string, flags: { out?: string }) => {
      process.exitCode = await reportCommand(runDir, flags, process.stdout)
    })
  program
    .command('compare')
    .description(
      'compare runs metric by metric (a run dir, its summary.json, or a --repeat parent per side)',
    )
    .argument('<baseline>', 'the earlier run(s)')
    .argument('<current>', 'the run(s) to judge')
    .option('--tolerance <pct>', 'change below which a metric is unchanged (default 10%)')
    .option('--json', 'print the comparison as one JSON object')
    .addHelpText(
      'after',
      '\nExamples:\n  $ faultline compare runs/before runs/after\n  $ faultline compare runs/before/summary.json runs/after --tolerance 5%\n\nExit codes: 0 nothing regressed, 99 a metric regressed, 1 an error.',
    )
    .action((baseline: string, current: string, flags: CompareFlags) => {
      process.exitCode = compareCommand(baseline, current, flags, process.stdout)
    })
  program
    .command('list')
    .description('list the library scenarios, one line each')
    .addHelpText('after', '\nExamples:\n  $ faultline list')
    .action(() => {
      process.exitCode = listCommand(process.stdout)
    })
  program
    .command('doctor')
    .description(
      'show what is installed (binaries, Docker, env vars, cached jars) and how to install the rest',
    )
    .option('--json', 'print the findings as one JSON object')
    .addHelpText('after', '\nExamples:\n  $ faultline doctor\n  $ faultline doctor --json')
    .action((flags: { json?: boolean }) => {
      process.exitCode = doctorCommand(process.stdout, flags.json === true)
    })
  program
    .command('bench')
    .description('run the side-by-side benchmarks of one area (bench/run-all.mjs)')
    .argument('<area>', `one of: ${BENCH_AREAS.join(', ')}`, (value: string) => {
      if (!(BENCH_AREAS as readonly string[]).includes(value)) {
        throw new InvalidArgumentError(`use one of: ${BENCH_AREAS.join(', ')}.`)
      }
      return value
    })
    .argument('[flags...]', 'passed on to the benchmark, e.g. --quick')
    .allowUnknownOption()
    .addHelpText('after', '\nExamples:\n  $ faultline bench cache\n  $ faultline bench sync')
    .action(async (area: string, extra: string[]) => {
      process.exitCode = await benchCommand(area, extra, controller.signal)
    })
  return program
}

/** `up`, `down`, `status` and `token`: a topology kept running between runs. */
function addTopologyCommands(program: Command, controller: AbortController): void {
  const dirHelp = `where the running topology's state, keys and logs live (default ${DEFAULT_UP_DIR})`
  program
    .command('up')
    .description(
      'start infra and the topology and keep them up (Ctrl-C or `faultline down` stops them)',
    )
    .option(
      '--infra <provider>',
      'auto | local | docker | external (embedded runs inside `run`)',
      'auto',
    )
    .option('--replicas <list>', 'instances per service, e.g. catalog-query=3', 'catalog-query=1')
    .option('--seed <n>', 'seed of the seed data (0..4294967295)')
    .option('--products <n>', 'products to seed (default 200)')
    .option('--lb <provider>', 'load balancer: auto | nginx | node', 'auto')
    .option('--tls', 'mutual TLS between services')
    .option('--dir <dir>', dirHelp)
    .addHelpText(
      'after',
      '\nExamples:\n  $ faultline up --replicas catalog-query=3\n  $ faultline run catalog-read-storm --smoke --target .faultline/up/topology.json\n  $ faultline status\n  $ faultline down',
    )
    .action(async (flags: UpFlags) => {
      process.exitCode = await upCommand(flags, {
        stdout: process.stdout,
        signal: controller.signal,
      })
    })
  program
    .command('down')
    .description('stop the topology `faultline up` started')
    .option('--dir <dir>', dirHelp)
    .addHelpText('after', '\nExamples:\n  $ faultline down')
    .action(async (flags: { dir?: string }) => {
      process.exitCode = await downCommand(flags, process.stdout)
    })
  program
    .command('status')
    .description('whether a topology is up, and the readiness of each endpoint (exit 0 all ready)')
    .option('--dir <dir>', dirHelp)
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nExamples:\n  $ faultline status\n  $ faultline status --json')
    .action(async (flags: { dir?: string; json?: boolean }) => {
      process.exitCode = await statusCommand(flags, process.stdout)
    })
  program
    .command('token')
    .description("mint a JWT with the running topology's signing key")
    .requiredOption('--role <role>', 'customer | catalog:write | ops | service')
    .option('--sub <subject>', 'the subject (user id)', 'local-user')
    .option('--ttl <duration>', 'lifetime, e.g. 15m, 1h', '15m')
    .option('--dir <dir>', dirHelp)
    .addHelpText(
      'after',
      '\nExamples:\n  $ faultline token --role customer --sub alice\n  $ curl -H "Authorization: Bearer $(faultline token --role ops)" ...',
    )
    .action(async (flags: TokenFlags) => {
      process.exitCode = await tokenCommand(flags, process.stdout)
    })
}

/** Parses the command line and runs; the first Ctrl-C stops the run cleanly, a second one exits. */
export async function main(argv: readonly string[]): Promise<void> {
  const controller = new AbortController()
  // Every operation in flight listens on the run's signal (hundreds under load); Node's warning
  // at 10 would only tear the dashboard's frame.
  setMaxListeners(100_000, controller.signal)
  let interrupts = 0
  let dashboard = false
  const onSignal = (): void => {
    interrupts++
    if (interrupts > 1) process.exit(130)
    // The dashboard says so itself; a line on stderr would tear its frame.
    if (!dashboard)
      process.stderr.write(
        '\nInterrupted: stopping the load and reverting faults (Ctrl-C again to exit at once)\n',
      )
    controller.abort()
  }
  const stop: Interruption = {
    interrupt: onSignal,
    onDashboard: (active) => {
      dashboard = active
    },
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    await buildProgram(controller, stop).parseAsync([...argv])
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander printed the message (or help/version) already.
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_ERROR
      return
    }
    process.stderr.write(`error: ${describeError(error)}\n`)
    process.exitCode = EXIT_ERROR
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

// A reader that goes away (`faultline doctor | head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE')
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0)
  throw error
})

await main(process.argv)
