import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { RESOLUTIONS, writeConsumerProject } from '../src/pack-consumer.js'
import {
  buildKits,
  command,
  missingExportTargets,
  packKits,
  plainEnv,
  staleOutputs,
  undeclaredImports,
  type PackedKit,
} from '../src/pack.js'
import { PACKED_KITS } from '../src/packages.js'
import { repoRoot } from '../src/repo.js'

// One temp project outside the monorepo and one install serve every kit and every check.
const project = mkdtempSync(join(tmpdir(), 'faultline-pack-'))
let packed: PackedKit[] = []

beforeAll(async () => {
  await buildKits(PACKED_KITS)
  mkdirSync(join(project, 'tarballs'))
  packed = await packKits(PACKED_KITS, join(project, 'tarballs'))
  writeConsumerProject(project, PACKED_KITS, packed)
  await command(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--loglevel=error',
    ],
    { cwd: project, env: plainEnv() },
  )
}, 600_000)

function packedKit(kit: string): PackedKit {
  const found = packed.find((candidate) => candidate.name === `@faultline/${kit}`)
  if (found === undefined) throw new Error(`${kit} was not packed`)
  return found
}

afterAll(() => {
  rmSync(project, { recursive: true, force: true })
})

describe('the kits installed from their npm tarballs', () => {
  test('every kit packed, with its built entry points and README', () => {
    expect(packed.map((kit) => kit.name).sort()).toEqual(
      PACKED_KITS.map((kit) => `@faultline/${kit}`).sort(),
    )
    for (const kit of packed) {
      const paths = kit.files.map((file) => file.path)
      expect(paths, kit.name).toContain('dist/src/index.js')
      expect(paths, kit.name).toContain('dist/src/index.d.ts')
      expect(paths, kit.name).toContain('README.md')
      expect(
        paths.filter((path) => path.startsWith('dist/test/') || path.startsWith('src/')),
        kit.name,
      ).toEqual([])
    }
  })

  test.each(PACKED_KITS)('%s declares every package its packed files import', (kit) => {
    expect(
      undeclaredImports(kit, packedKit(kit)),
      'add them to dependencies or peerDependencies',
    ).toEqual([])
  })

  test.each(PACKED_KITS)('%s ships every file its exports map names', (kit) => {
    expect(missingExportTargets(kit, packedKit(kit)), 'fix "exports" or "files"').toEqual([])
  })

  test.each(PACKED_KITS)('%s ships no output of a deleted source', (kit) => {
    const advice = `stale build outputs: run \`rm -rf packages/${kit}/dist && npx tsc -b\``
    expect(staleOutputs(kit, packedKit(kit)), advice).toEqual([])
  })

  test('plain node imports every entry point and runs each kit', async () => {
    const { stdout } = await command(process.execPath, ['smoke.mjs', ...PACKED_KITS], {
      cwd: project,
      env: plainEnv(),
    })
    expect(stdout).toContain('smoke: ok')
  }, 120_000)

  test.each(Object.keys(RESOLUTIONS))(
    'a TypeScript consumer type-checks under moduleResolution %s',
    async (resolution) => {
      const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc')
      await command(process.execPath, [tsc, '-p', `tsconfig.${resolution}.json`], {
        cwd: project,
        env: plainEnv(),
      })
    },
    180_000,
  )
})
