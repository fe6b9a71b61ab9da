import { copyFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { installedVersion, type PackedKit } from './pack.js'
import { entryPoints, readPackageJson, repoRoot } from './repo.js'

/** The hand-written consumer files, copied into the temp project as they are. */
const FIXTURES = join(repoRoot, 'packages', 'checks', 'test', 'fixtures', 'pack-consumer')

/**
 * What a user installs next to the kits to use every entry point: the kits' optional peers
 * (`ioredis` for `./redis`, `vitest` for `./testing`, ...) and the types a TypeScript user of
 * Node and `pg` has. Versions are the ones this repo installed, so npm serves them from its cache.
 */
export function consumerDependencies(kits: readonly string[]): Record<string, string> {
  // A kit that is a peer of another (saga-kit's `./sync-kit` needs sync-kit) comes from its
  // tarball like every kit: it is not on the public registry.
  const peers = kits
    .flatMap((kit) => Object.keys(readPackageJson(kit).peerDependencies ?? {}))
    .filter((name) => !name.startsWith('@faultline/'))
  const names = [...new Set([...peers, '@types/node', '@types/pg'])].sort()
  return Object.fromEntries(names.map((name) => [name, installedVersion(name)]))
}

/** The moduleResolution settings a consumer's tsconfig is checked under. */
export const RESOLUTIONS = {
  node16: { module: 'node16', moduleResolution: 'node16' },
  bundler: { module: 'esnext', moduleResolution: 'bundler' },
} as const

/**
 * Lays out a fresh consumer project in `dir` (outside the monorepo): package.json depending on
 * the tarballs in `dir/tarballs`, the smoke script, the typed consumer, a file importing every
 * entry point as a namespace, and one tsconfig per module resolution.
 */
export function writeConsumerProject(
  dir: string,
  kits: readonly string[],
  packed: PackedKit[],
): void {
  const tarballs = Object.fromEntries(
    packed.map((kit) => [kit.name, `file:./tarballs/${kit.filename}`]),
  )
  const manifest = {
    name: 'faultline-pack-consumer',
    private: true,
    type: 'module',
    dependencies: { ...tarballs, ...consumerDependencies(kits) },
  }
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  copyFileSync(join(FIXTURES, 'smoke.mjs'), join(dir, 'smoke.mjs'))
  copyFileSync(join(FIXTURES, 'consumer.ts'), join(dir, 'consumer.ts'))
  writeFileSync(join(dir, 'entries.ts'), entriesModule(kits))
  for (const [name, resolution] of Object.entries(RESOLUTIONS)) {
    const tsconfig = {
      compilerOptions: {
        ...resolution,
        target: 'es2022',
        lib: ['es2023'],
        strict: true,
        noEmit: true,
        // Check the kits' .d.ts files too: a broken or unresolvable declaration must fail here.
        skipLibCheck: false,
        types: ['node'],
      },
      files: ['consumer.ts', 'entries.ts'],
    }
    writeFileSync(join(dir, `tsconfig.${name}.json`), `${JSON.stringify(tsconfig, null, 2)}\n`)
  }
}

/** `import * as` every entry point of every kit, so each one's declarations must resolve. */
function entriesModule(kits: readonly string[]): string {
  const specifiers = kits.flatMap((kit) => entryPoints(kit).map((entry) => entry.specifier))
  const imports = specifiers.map(
    (specifier, index) => `import * as entry${index} from '${specifier}'`,
  )
  const list = specifiers.map((_, index) => `entry${index}`).join(', ')
  return `${imports.join('\n')}\n\nexport const entries: readonly object[] = [${list}]\n`
}
