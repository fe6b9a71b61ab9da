import { accessSync, constants, readdirSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { InfraError } from '../errors.js'

/**
 * How to get a binary when it is missing: the Debian package, and the env vars that avoid it
 * (none for a server Faultline can only run itself).
 */
export interface BinaryHint {
  readonly debianPackage: string
  readonly envVars: readonly string[]
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** Postgres server binaries live outside PATH on Debian, under /usr/lib/postgresql/<major>/bin. */
function postgresBinDirs(): string[] {
  try {
    return readdirSync('/usr/lib/postgresql')
      .sort((a, b) => Number(b) - Number(a))
      .map((major) => join('/usr/lib/postgresql', major, 'bin'))
  } catch {
    return []
  }
}

/**
 * Finds `name` on PATH (then in the Postgres bin dirs) or throws `E_INFRA_MISSING_BINARY`
 * naming the Debian package to install and the env vars to set instead.
 */
export function findBinary(name: string, hint: BinaryHint): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...postgresBinDirs()]
  for (const dir of dirs) {
    const candidate = join(dir, name)
    if (dir !== '' && isExecutable(candidate)) return candidate
  }
  const instead =
    hint.envVars.length === 0
      ? ''
      : `, or point Faultline at running servers with ${hint.envVars.join(', ')}`
  throw new InfraError(
    'E_INFRA_MISSING_BINARY',
    `${name} was not found on PATH: install it with 'apt-get install ${hint.debianPackage}'${instead}.`,
    { context: { binary: name, debianPackage: hint.debianPackage } },
  )
}
