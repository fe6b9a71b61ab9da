#!/usr/bin/env node
import { Command, CommanderError, InvalidArgumentError } from 'commander'
import { benchCommand, BENCH_AREAS } from './commands/bench.js'
import { doctorCommand } from './commands/doctor.js'
import { listCommand } from './commands/list.js'
import { runCommand, type RunFlags } from './commands/run.js'
import { describeError } from './core/errors.js'
import { VERSION } from './version.js'

/** Exit code for an error the user can fix (bad flags, unknown scenario, a run that could not start). */
const EXIT_ERROR = 1

const RUN_HELP = `
Examples:
  $ faultline run catalog-read-storm --smoke
  $ faultline run ./my-scenario.ts --duration 2m --rate 300 --seed 42
  $ faultline run catalog-read-storm --json > events.ndjson --junit junit.xml
  $ faultline run --replay .faultline/runs/2026-12-07T16-00-00-000Z-catalog-read-storm

Exit codes: 0 every threshold and check passed, 99 one failed (an unknown check fails),
1 an error (the message says what to do), 130 interrupted (Ctrl-C; faults are reverted and
a partial summary is written).`

function buildProgram(controller: AbortController): Command {
  const program = new Command('faultline')
    .version(VERSION)
    .description('Load, faults and consistency checks on one seeded timeline, as CI gates.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addHelpText(
      'after',
      `\nExamples:\n  $ faultline doctor\n  $ faultline list\n  $ faultline run catalog-read-storm --smoke\n  $ faultline bench cache`,
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
    .option('--keep-up', 'leave the topology running after the run')
    .option('--replay <dir>', 'rerun a previous run with its seed, overrides and fault schedule')
    .option(
      '--target <name|module>',
      'the system under test: a registered target, or a module exporting a TargetProvider',
      'topology',
    )
    .addHelpText('after', RUN_HELP)
    .action(async (scenario: string | undefined, flags: RunFlags) => {
      process.exitCode = await runCommand(scenario, flags, {
        stdout: process.stdout,
        signal: controller.signal,
      })
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

/** Parses the command line and runs; the first Ctrl-C stops the run cleanly, a second one exits. */
export async function main(argv: readonly string[]): Promise<void> {
  const controller = new AbortController()
  let interrupts = 0
  const onSignal = (): void => {
    interrupts++
    if (interrupts > 1) process.exit(130)
    process.stderr.write(
      '\nInterrupted: stopping the load and reverting faults (Ctrl-C again to exit at once)\n',
    )
    controller.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    await buildProgram(controller).parseAsync([...argv])
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
