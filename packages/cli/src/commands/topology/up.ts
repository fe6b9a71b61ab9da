import { startTopology, type TopologyHandle } from '@faultline/topology'
import { CliError, describeError } from '../../core/errors.js'
import { holdTopology, refuseIfUp } from './hold.js'
import { upFiles, type UpFiles } from './up-state.js'

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
  refuseIfUp(files)
  if (infra !== 'auto') process.env.FAULTLINE_PROVIDER = infra
}

function lbChoice(text: string | undefined): 'auto' | 'nginx' | 'node' {
  if (text === undefined || text === 'auto' || text === 'nginx' || text === 'node')
    return text ?? 'auto'
  throw invalid('--lb', `must be auto, nginx or node, got '${text}'.`)
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
  await holdTopology(handle, files, io)
  return 0
}
