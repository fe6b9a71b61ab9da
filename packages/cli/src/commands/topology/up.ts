import { existsSync } from 'node:fs'
import { createKeySet, mintToken, startTopology, type TopologyHandle } from '@faultline/topology'
import { CliError, describeError } from '../../core/errors.js'
import { readStateFile } from '../../targets/topology/index.js'
import { ownerAlive } from './owner.js'
import { removeUpFiles, stateOf, upFiles, writeUpFiles, type UpFiles } from './up-state.js'

/** Where `up` gets its infra; `embedded` has no services to start. */
export const INFRA_CHOICES = ['auto', 'local', 'docker', 'external', 'embedded'] as const

/** Flags of `faultline up`. */
export interface UpFlags {
  readonly dir?: string
  readonly infra?: string
  /** `catalog-query=3`, comma-separated for several services. */
  readonly replicas?: string
  readonly seed?: string
  readonly products?: string
  readonly lb?: string
  readonly tls?: boolean
}

/** What `up` writes to and stops on. */
export interface UpIo {
  readonly stdout: NodeJS.WritableStream
  /** Aborted by Ctrl-C or `faultline down` (SIGTERM): the topology then stops. */
  readonly signal: AbortSignal
}

function invalid(option: string, message: string): CliError {
  return new CliError('E_CLI_INVALID_OPTION', `${option} ${message}`, { context: { option } })
}

/** Parses `--replicas catalog-query=3[,name=n]`. */
export function parseReplicas(text: string | undefined): Record<string, number> {
  if (text === undefined) return { 'catalog-query': 1 }
  const replicas: Record<string, number> = {}
  for (const part of text.split(',')) {
    const match = /^([a-z-]+)=(\d+)$/.exec(part.trim())
    const count = Number(match?.[2])
    if (match === null || !Number.isInteger(count) || count < 1 || count > 32)
      throw invalid('--replicas', `'${part}' is not <service>=<1..32>, e.g. catalog-query=3.`)
    replicas[match[1] as string] = count
  }
  return replicas
}

function integer(option: string, text: string | undefined, max: number): number | undefined {
  if (text === undefined) return undefined
  const value = Number(text)
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value > max)
    throw invalid(option, `must be an integer from 0 to ${max}, got '${text}'.`)
  return value
}

/** Checks the flags before anything starts, and picks the infra provider. */
function checkFlags(flags: UpFlags, files: UpFiles): void {
  const infra = flags.infra ?? 'auto'
  if (!(INFRA_CHOICES as readonly string[]).includes(infra))
    throw invalid('--infra', `must be one of ${INFRA_CHOICES.join(', ')}, got '${infra}'.`)
  if (infra === 'embedded')
    throw invalid(
      '--infra',
      "embedded has no services to keep up: it runs inside `faultline run <scenario> --infra embedded`; use 'auto' (local servers) here.",
    )
  if (flags.tls === true)
    throw new CliError(
      'E_CLI_UNSUPPORTED',
      '--tls: the topology does not start its services with mutual TLS yet; run without --tls.',
    )
  if (existsSync(files.state)) {
    const state = readStateFile(files.state)
    if (ownerAlive(state.ownerPid))
      throw new CliError(
        'E_CLI_INVALID_OPTION',
        `A topology is already up from ${files.dir} (pid ${state.ownerPid}); run \`faultline down\` first, or pass another --dir.`,
      )
  }
  if (infra !== 'auto') process.env.FAULTLINE_PROVIDER = infra
}

function lbChoice(text: string | undefined): 'auto' | 'nginx' | 'node' {
  if (text === undefined || text === 'auto' || text === 'nginx' || text === 'node')
    return text ?? 'auto'
  throw invalid('--lb', `must be auto, nginx or node, got '${text}'.`)
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

/** `faultline up`: starts infra and the topology and keeps them up until Ctrl-C or `down`. */
export async function upCommand(flags: UpFlags, io: UpIo): Promise<number> {
  const files = upFiles(flags.dir)
  checkFlags(flags, files)
  const replicas = parseReplicas(flags.replicas)
  const seed = integer('--seed', flags.seed, 0xffff_ffff) ?? 1
  const products = integer('--products', flags.products, 100_000) ?? 200
  io.stdout.write(`starting infra and the topology (logs in ${files.logs}) ...\n`)
  let handle: TopologyHandle
  try {
    handle = await startTopology({
      replicas,
      seed,
      products,
      lb: lbChoice(flags.lb),
      runDir: files.logs,
    })
  } catch (cause) {
    throw new CliError(
      'E_CLI_TARGET',
      `The topology did not start: ${describeError(cause)}. Run \`faultline doctor\` for what is missing; logs are in ${files.logs}.`,
      { cause },
    )
  }
  try {
    const keySet = await createKeySet()
    writeUpFiles(files, stateOf(handle, process.pid), keySet)
    const tokens: Record<string, string> = {}
    for (const role of ['customer', 'catalog:write', 'ops'] as const)
      tokens[role] = await mintToken({ keySet, role, ttlMs: 3_600_000 })
    printUp(io.stdout, handle, files, tokens)
    await untilAborted(io.signal)
    io.stdout.write('stopping the topology ...\n')
  } finally {
    await handle.stop()
    removeUpFiles(files)
  }
  io.stdout.write('stopped: no process of the topology is left\n')
  return 0
}
