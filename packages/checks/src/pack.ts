import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import ts from 'typescript'
import { packageDir, readPackageJson, repoRoot } from './repo.js'

const run = promisify(execFile)

/** What `npm pack --json` reports for one package. */
export interface PackedKit {
  name: string
  filename: string
  files: { path: string }[]
}

/** Output of a child process, kept for a failing test's message. */
export interface CommandOutput {
  stdout: string
  stderr: string
}

/**
 * Runs a command and returns its output; a failure rejects with the command, its exit code and
 * both streams, so the test's message shows what npm, node or tsc said.
 */
export async function command(
  file: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<CommandOutput> {
  try {
    const { stdout, stderr } = await run(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      maxBuffer: 64 * 1024 * 1024,
    })
    return { stdout, stderr }
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string }
    throw new Error(
      `\`${file} ${args.join(' ')}\` in ${options.cwd} failed (exit ${String(failed.code)}):\n` +
        `${failed.stdout ?? ''}\n${failed.stderr ?? ''}`,
      { cause: error },
    )
  }
}

/** An environment for a consumer's processes: no loader or condition the test runner set. */
export function plainEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  delete env['NODE_OPTIONS']
  delete env['npm_config_workspace']
  delete env['npm_config_workspaces']
  return env
}

/** Builds the kits' `dist/` the way a release does: `tsc -b` on their projects. */
export async function buildKits(kits: readonly string[]): Promise<void> {
  const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc')
  await command(process.execPath, [tsc, '-b', ...kits.map((kit) => packageDir(kit))], {
    cwd: repoRoot,
  })
}

/** `npm pack` of every kit into `destination`, in one npm run. */
export async function packKits(kits: readonly string[], destination: string): Promise<PackedKit[]> {
  const workspaces = kits.flatMap((kit) => ['-w', readPackageJson(kit).name])
  const { stdout } = await command(
    'npm',
    ['pack', ...workspaces, '--pack-destination', destination, '--json', '--ignore-scripts'],
    { cwd: repoRoot },
  )
  return JSON.parse(stdout) as PackedKit[]
}

const BUILTINS = new Set(
  // `node:`-less builtins a compiled file might name; `node:` ones are recognised by prefix.
  [
    'assert',
    'buffer',
    'crypto',
    'events',
    'fs',
    'net',
    'os',
    'path',
    'stream',
    'tls',
    'url',
    'util',
  ],
)

/**
 * Bare module specifiers the packed `.js` and `.d.ts` files import that the package.json does
 * not declare (dependencies or peerDependencies): inside the monorepo they resolve through the
 * workspace's hoisted node_modules, for a user they do not.
 */
export function undeclaredImports(kit: string, packed: PackedKit): string[] {
  const manifest = readPackageJson(kit)
  const declared = new Set([
    manifest.name,
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {}),
  ])
  const missing = packed.files
    .filter((file) => /\.(js|d\.ts)$/.test(file.path))
    .flatMap(({ path }) => {
      const text = readFileSync(join(packageDir(kit), path), 'utf8')
      return undeclaredIn(declared, text).map((name) => `${name} (in ${path})`)
    })
  return [...new Set(missing)].sort()
}

/** The packages a module's text imports (statically, dynamically or as types) that are not in `declared`. */
export function undeclaredIn(declared: ReadonlySet<string>, text: string): string[] {
  const names = importedSpecifiers(text)
    .filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('node:'))
    .map(packageName)
    .filter((name) => !declared.has(name) && !BUILTINS.has(name))
  return [...new Set(names)]
}

function importedSpecifiers(text: string): string[] {
  // TypeScript's own scanner: a specifier inside a comment or a string is not an import.
  const { importedFiles } = ts.preProcessFile(text, true, true)
  return importedFiles.map((file) => file.fileName)
}

function packageName(specifier: string): string {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier)
}

/**
 * Targets of the package.json "exports" conditions (`types`, `default`, ...) that the tarball does
 * not contain. The `@faultline/source` condition names the TypeScript source for the monorepo's
 * own tooling and is not shipped on purpose: no consumer sets that condition.
 */
export function missingExportTargets(kit: string, packed: PackedKit): string[] {
  const shipped = new Set(packed.files.map((file) => file.path))
  const missing: string[] = []
  for (const [subpath, target] of Object.entries(readPackageJson(kit).exports ?? {})) {
    for (const [condition, file] of exportTargets(target, '')) {
      if (condition.split('.').includes('@faultline/source')) continue
      if (!shipped.has(file.replace(/^\.\//, ''))) {
        missing.push(`"${subpath}" ${condition}: ${file}`)
      }
    }
  }
  return missing
}

/** The file targets of one "exports" entry, nested conditions flattened to `outer.inner`. */
function exportTargets(target: unknown, condition: string): [string, string][] {
  if (typeof target === 'string') return [[condition === '' ? 'default' : condition, target]]
  if (target === null || typeof target !== 'object') return []
  return Object.entries(target).flatMap(([inner, value]) =>
    exportTargets(value, condition === '' ? inner : `${condition}.${inner}`),
  )
}

/**
 * Packed build outputs whose source no longer exists: a renamed or deleted module's `.js` left
 * in `dist/` by an incremental build ships to users unless the kit is rebuilt from clean.
 */
export function staleOutputs(kit: string, packed: PackedKit): string[] {
  return packed.files
    .map((file) => file.path)
    .filter((path) => path.startsWith('dist/src/') && path.endsWith('.js'))
    .filter((path) => {
      const source = path.replace(/^dist\//, '').replace(/\.js$/, '')
      return !['.ts', '.tsx'].some((extension) =>
        existsSync(join(packageDir(kit), source + extension)),
      )
    })
}

/**
 * The version of a package this repo installed, so the consumer's install is served from the
 * npm cache the monorepo's install filled.
 */
export function installedVersion(name: string): string {
  const manifest = join(repoRoot, 'node_modules', name, 'package.json')
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version
}
