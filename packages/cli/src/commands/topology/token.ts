import { existsSync, readFileSync } from 'node:fs'
import { parseDuration } from '@faultline/scenarios'
import { importKeySet, isRole, mintToken, ROLES } from '@faultline/topology'
import { CliError, describeError } from '../../core/errors.js'
import { readStateFile } from '../../targets/topology/index.js'
import { upFiles } from './up-state.js'

/** Flags of `faultline token`. */
export interface TokenFlags {
  readonly role?: string
  readonly sub?: string
  readonly ttl?: string
  readonly dir?: string
}

/** `faultline token --role <r>`: mints a token with the running topology's signing key. */
export async function tokenCommand(
  flags: TokenFlags,
  stdout: NodeJS.WritableStream,
): Promise<number> {
  if (!isRole(flags.role))
    throw new CliError(
      'E_CLI_INVALID_OPTION',
      `--role must be one of ${ROLES.join(', ')}, got '${String(flags.role)}'.`,
      { context: { option: '--role', choices: ROLES } },
    )
  const files = upFiles(flags.dir)
  if (!existsSync(files.keys))
    throw new CliError(
      'E_CLI_INVALID_OPTION',
      `No signing keys in ${files.dir}: tokens are signed with a running topology's key; start one with \`faultline up\`.`,
    )
  let ttlMs: number
  try {
    ttlMs = parseDuration(flags.ttl ?? '15m', '--ttl')
  } catch (cause) {
    throw new CliError('E_CLI_INVALID_OPTION', describeError(cause), { cause })
  }
  const keySet = await importKeySet(JSON.parse(readFileSync(files.keys, 'utf8')))
  // The issuer and audience the running services check, as `up` recorded them.
  const audience = existsSync(files.state) ? readStateFile(files.state).auth : undefined
  try {
    const token = await mintToken({
      keySet,
      role: flags.role,
      ttlMs,
      ...(flags.sub === undefined ? {} : { sub: flags.sub }),
      ...(audience === undefined ? {} : { issuer: audience.issuer, audience: audience.audience }),
    })
    stdout.write(`${token}\n`)
  } catch (cause) {
    throw new CliError('E_CLI_INVALID_OPTION', describeError(cause), { cause })
  }
  return 0
}
