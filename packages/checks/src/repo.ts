import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'

/** The monorepo's root directory (this file is `packages/checks/src/repo.ts`). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))

/** The absolute directory of a package under `packages/`. */
export function packageDir(pkg: string): string {
  return join(repoRoot, 'packages', pkg)
}

/** The fields of a package.json the checks read. */
export interface PackageJson {
  name: string
  version: string
  exports?: Record<string, string | Record<string, string>>
  files?: string[]
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
}

/** Reads and parses a package's package.json. */
export function readPackageJson(pkg: string): PackageJson {
  return JSON.parse(readFileSync(join(packageDir(pkg), 'package.json'), 'utf8')) as PackageJson
}

/** One entry point of a package: the root (`.`) or a subpath export such as `./redis`. */
export interface EntryPoint {
  /** The key in package.json "exports": `.` or `./<name>`. */
  subpath: string
  /** The report's file stem: `index` for the root, else the subpath's name. */
  name: string
  /** The module specifier a consumer writes, e.g. `@faultline/cache-kit/redis`. */
  specifier: string
  /** Absolute path of the TypeScript source the entry is built from. */
  source: string
}

/**
 * The entry points a package.json "exports" declares, root first. Each entry's source is its
 * `@faultline/source` condition (every export in this repo carries one).
 */
export function entryPoints(pkg: string): EntryPoint[] {
  const manifest = readPackageJson(pkg)
  const entries: EntryPoint[] = []
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    const sourceTarget = typeof target === 'string' ? target : target['@faultline/source']
    if (sourceTarget === undefined || !sourceTarget.endsWith('.ts')) {
      throw new Error(
        `${manifest.name}: export "${subpath}" has no "@faultline/source" condition naming a .ts file; ` +
          'add one so the repo checks can find its source.',
      )
    }
    const name = subpath === '.' ? 'index' : subpath.replace(/^\.\//, '')
    entries.push({
      subpath,
      name,
      specifier: subpath === '.' ? manifest.name : `${manifest.name}/${name}`,
      source: join(packageDir(pkg), sourceTarget),
    })
  }
  return [
    ...entries.filter((entry) => entry.subpath === '.'),
    ...entries.filter((entry) => entry.subpath !== '.'),
  ]
}
