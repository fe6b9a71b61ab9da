import { existsSync } from 'node:fs'
import { CliError } from '../../core/errors.js'
import { readStateFile } from '../../targets/topology/index.js'
import { ownerAlive, waitForExit } from './owner.js'
import { removeUpFiles, upFiles } from './up-state.js'

/** How long `down` waits for `up` to stop everything before it kills `up` outright. */
const GRACEFUL_MS = 120_000

/**
 * `faultline down`: asks the `faultline up` process to stop (SIGTERM: it stops services, the
 * balancer and infra in order). If that takes too long it is SIGKILLed, and the watchdogs of
 * infra and the supervisor remove what it ran.
 */
export async function downCommand(
  flags: { dir?: string },
  stdout: NodeJS.WritableStream,
): Promise<number> {
  const files = upFiles(flags.dir)
  if (!existsSync(files.state))
    throw new CliError(
      'E_CLI_INVALID_OPTION',
      `No topology is up from ${files.dir} (no ${files.state}); start one with \`faultline up\`.`,
    )
  const state = readStateFile(files.state)
  if (!ownerAlive(state.ownerPid)) {
    removeUpFiles(files)
    stdout.write(`the topology's owner (pid ${state.ownerPid}) is gone; removed its stale state\n`)
    return 0
  }
  stdout.write(`stopping the topology (pid ${state.ownerPid}) ...\n`)
  process.kill(state.ownerPid, 'SIGTERM')
  if (!(await waitForExit(state.ownerPid, GRACEFUL_MS))) {
    process.kill(state.ownerPid, 'SIGKILL')
    await waitForExit(state.ownerPid, 10_000)
    removeUpFiles(files)
    stdout.write(
      `it did not stop within ${GRACEFUL_MS / 1000} s: killed; its watchdogs remove the rest\n`,
    )
    return 1
  }
  stdout.write('stopped\n')
  return 0
}
