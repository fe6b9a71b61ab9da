import { existsSync } from 'node:fs'
import type { TopologyHandle } from '@faultline/topology'
import { CliError } from '../../core/errors.js'
import { readStateFile } from '../../targets/topology/index.js'
import { ownerAlive } from './owner.js'
import { removeUpFiles, stateOf, writeUpFiles, type UpFiles } from './up-state.js'

/** Where a held topology reports, and what stops it (Ctrl-C, or `faultline down`'s SIGTERM). */
export interface HoldIo {
  readonly stdout: NodeJS.WritableStream
  readonly signal: AbortSignal
}

/** Refuses to start when `files.dir` belongs to a topology that is still up. */
export function refuseIfUp(files: UpFiles): void {
  if (!existsSync(files.state)) return
  const state = readStateFile(files.state)
  if (ownerAlive(state.ownerPid))
    throw new CliError(
      'E_CLI_INVALID_OPTION',
      `A topology is already up from ${files.dir} (pid ${state.ownerPid}); run \`faultline down\` first, or pass another --dir.`,
    )
}

function printUp(
  stdout: NodeJS.WritableStream,
  handle: TopologyHandle,
  files: UpFiles,
  tokens: Record<string, string>,
): void {
  const endpoints = handle.endpoints()
  const width = Math.max(...Object.keys(endpoints).map((name) => name.length))
  stdout.write(
    `topology up (load balancer: ${handle.lbProvider}); Ctrl-C or \`faultline down\` stops it\n\nENDPOINTS\n`,
  )
  for (const [name, url] of Object.entries(endpoints))
    stdout.write(`  ${name.padEnd(width)}  ${url}\n`)
  stdout.write('\nTOKENS (1 h; `faultline token --role <r>` mints more)\n')
  for (const [role, token] of Object.entries(tokens)) stdout.write(`  ${role}: ${token}\n`)
  stdout.write(
    `\nSTATE\n  state:  ${files.state} (faultline run <scenario> --target ${files.state})\n  logs:   ${files.logs}\n  ops:    GET <endpoint>/ops/state on every service\n`,
  )
  stdout.write(
    `  startup: ${Object.entries(handle.timings)
      .map(([step, ms]) => `${step} ${ms} ms`)
      .join(', ')}\n`,
  )
}

/**
 * Resolves when `signal` aborts. A timer holds the event loop open meanwhile: the topology's
 * children and sockets are unref'd, so without it Node would exit with everything still running.
 */
function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const keepAlive = setInterval(() => undefined, 60_000)
    signal.addEventListener(
      'abort',
      () => {
        clearInterval(keepAlive)
        resolve()
      },
      { once: true },
    )
  })
}

/**
 * Keeps a started topology up for other commands (`status`, `token`, `run --target`, `down`):
 * writes the state and key files, prints the endpoints and a token per role, waits for Ctrl-C or
 * `faultline down`, then stops it and removes the files.
 */
export async function holdTopology(
  handle: TopologyHandle,
  files: UpFiles,
  io: HoldIo,
): Promise<void> {
  try {
    // The key set the services check tokens against: `faultline token` signs with it.
    const keySet = handle.auth.keySet
    if (keySet === undefined)
      throw new CliError(
        'E_CLI_TARGET',
        'The topology holds no signing keys to write for `faultline token`.',
      )
    writeUpFiles(files, stateOf(handle, process.pid, files), keySet)
    const tokens: Record<string, string> = {}
    for (const role of ['customer', 'catalog:write', 'ops'] as const)
      tokens[role] = await handle.mintToken({ role, ttlMs: 3_600_000 })
    printUp(io.stdout, handle, files, tokens)
    await untilAborted(io.signal)
    io.stdout.write('stopping the topology ...\n')
  } finally {
    await handle.stop()
    removeUpFiles(files)
  }
  io.stdout.write('stopped: no process of the topology is left\n')
}
