import { readFileSync } from 'node:fs'
import { InfraError } from '../errors.js'

/** A Unix account to run a server as. */
export interface OsUser {
  readonly name: string
  readonly uid: number
  readonly gid: number
  readonly home: string
}

/** Looks a user up in /etc/passwd (Node has no getpwnam). */
export function lookupUser(name: string): OsUser | undefined {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((row) => row.startsWith(`${name}:`))
  if (line === undefined) return undefined
  const [, , uid, gid, , home] = line.split(':')
  return { name, uid: Number(uid), gid: Number(gid), home: home ?? '/' }
}

/**
 * Postgres refuses to run as root, so when we are root its processes run as the `postgres` user;
 * otherwise they run as us.
 */
export function postgresRunAs(): OsUser | undefined {
  if (process.getuid?.() !== 0) return undefined
  const user = lookupUser('postgres')
  if (user === undefined) {
    throw new InfraError(
      'E_INFRA_MISSING_BINARY',
      "Postgres cannot run as root and there is no 'postgres' user: install 'postgresql' " +
        '(it creates the user), run as a non-root user, or set FAULTLINE_PG_URL.',
    )
  }
  return user
}
