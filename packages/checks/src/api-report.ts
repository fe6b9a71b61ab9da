import { join, normalize, relative, sep } from 'node:path'
import ts from 'typescript'
import { sourceCompilerOptions } from './compiler.js'
import { DeclarationIndex, type DeclarationRef } from './declarations.js'
import { entryPoints, packageDir, readPackageJson, type EntryPoint } from './repo.js'

/** The command that rewrites the committed reports from the current sources. */
export const API_UPDATE_COMMAND = 'npm run api:update'

/** An entry point's surface: section heading (the exported name) -> printed declaration. */
export type ApiSurface = Map<string, string>

/** The difference between a committed report and the current surface. */
export interface ApiDiff {
  added: string[]
  removed: string[]
  changed: string[]
}

/** Where an entry point's report is committed: `packages/<pkg>/api/<entry>.api.md`. */
export function reportPath(pkg: string, entry: EntryPoint): string {
  return join(packageDir(pkg), 'api', `${entry.name}.api.md`)
}

/**
 * One program over the entry points of the given packages, able to emit declarations: building
 * it once for all packages shares the work of checking what they import from each other.
 */
export function createApiProgram(packages: readonly string[]): ts.Program {
  const rootNames = packages.flatMap((pkg) => entryPoints(pkg).map((entry) => entry.source))
  const options = sourceCompilerOptions({
    declaration: true,
    emitDeclarationOnly: true,
    noEmit: false,
  })
  return ts.createProgram({ rootNames, options })
}

/**
 * The public surface of one entry point: every exported name with its declaration as the
 * package's `.d.ts` shows it, followed by the package-internal declarations those signatures
 * refer to that no entry point of the package exports (a consumer sees them through a
 * signature, so a change to them is a change to the surface).
 */
export function collectSurface(program: ts.Program, pkg: string, entry: EntryPoint): ApiSurface {
  const index = new DeclarationIndex(program)
  const surface: ApiSurface = new Map()
  const pending: DeclarationRef[] = []
  for (const exported of entryExports(program, entry)) {
    const found =
      exported.ref === undefined ? undefined : index.find(exported.ref.file, exported.ref.name)
    surface.set(exported.heading, found?.text ?? exported.fallback)
    pending.push(...(found?.references ?? []))
  }
  const packageExports = new Set(
    entryPoints(pkg).flatMap((other) =>
      entryExports(program, other).flatMap((exported) =>
        exported.ref === undefined ? [] : [refKey(exported.ref)],
      ),
    ),
  )
  const internals = collectInternals(index, pending, packageExports, packageDir(pkg))
  return new Map([...sortedByKey(surface), ...sortedByKey(internals)])
}

interface EntryExport {
  heading: string
  ref: DeclarationRef | undefined
  fallback: string
}

function entryExports(program: ts.Program, entry: EntryPoint): EntryExport[] {
  const checker = program.getTypeChecker()
  const source = program.getSourceFile(entry.source)
  const moduleSymbol = source === undefined ? undefined : checker.getSymbolAtLocation(source)
  if (moduleSymbol === undefined)
    throw new Error(`${entry.specifier}: ${entry.source} is not a module`)
  return checker.getExportsOfModule(moduleSymbol).map((symbol) => {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol
    const file = target.declarations?.[0]?.getSourceFile().fileName
    const typeOnly = symbol.declarations?.some(ts.isTypeOnlyExportDeclaration)
      ? ' (type-only export)'
      : ''
    const renamed = target.name === symbol.name ? '' : ` (declared as ${target.name})`
    const type = checker.typeToString(checker.getTypeOfSymbol(target))
    return {
      heading: `\`${symbol.name}\`${renamed}${typeOnly}`,
      ref: file === undefined ? undefined : { file: normalize(file), name: target.name },
      fallback: `export declare const ${symbol.name}: ${type};`,
    }
  })
}

function collectInternals(
  index: DeclarationIndex,
  pending: DeclarationRef[],
  exported: Set<string>,
  ownDir: string,
): ApiSurface {
  const internals: ApiSurface = new Map()
  const seen = new Set(exported)
  while (pending.length > 0) {
    const ref = pending.pop() as DeclarationRef
    const key = refKey(ref)
    if (seen.has(key) || !ref.file.startsWith(ownDir + sep)) continue
    seen.add(key)
    const found = index.find(ref.file, ref.name)
    if (found === undefined) continue
    const from = relative(ownDir, ref.file).split(sep).join('/')
    internals.set(`\`${ref.name}\` (not exported, from ${from})`, found.text)
    pending.push(...found.references)
  }
  return internals
}

function refKey(ref: DeclarationRef): string {
  return `${ref.file}#${ref.name}`
}

function sortedByKey(surface: ApiSurface): ApiSurface {
  return new Map([...surface].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0)))
}

/** Renders a surface as the committed markdown report. */
export function renderReport(pkg: string, entry: EntryPoint, surface: ApiSurface): string {
  const name = readPackageJson(pkg).name
  const relativeSource = relative(packageDir(pkg), entry.source).split(sep).join('/')
  const lines = [
    `# API report: \`${entry.specifier}\``,
    '',
    `The public surface of \`${name}\`'s \`${entry.subpath}\` export (\`${relativeSource}\`), as its`,
    `declarations show it, comments removed. Generated by \`${API_UPDATE_COMMAND}\`; a test fails`,
    'when it differs from the sources. Review a change here as a change to what users depend on.',
  ]
  for (const [heading, text] of surface) {
    lines.push('', `## ${heading}`, '', '```ts', text, '```')
  }
  return `${lines.join('\n')}\n`
}

/** Reads a committed report back into a surface (the inverse of {@link renderReport}). */
export function parseReport(markdown: string): ApiSurface {
  const surface: ApiSurface = new Map()
  const sections = markdown.split(/^## /m).slice(1)
  for (const section of sections) {
    const newline = section.indexOf('\n')
    const heading = section.slice(0, newline)
    const body = /```ts\n([\s\S]*?)\n```/.exec(section)?.[1] ?? ''
    surface.set(heading, body)
  }
  return surface
}

/** Which sections a committed report has that the current surface lacks, and the reverse. */
export function diffSurface(committed: ApiSurface, current: ApiSurface): ApiDiff {
  const added = [...current.keys()].filter((key) => !committed.has(key))
  const removed = [...committed.keys()].filter((key) => !current.has(key))
  const changed = [...current.keys()].filter(
    (key) => committed.has(key) && committed.get(key) !== current.get(key),
  )
  return { added, removed, changed }
}

/**
 * A reviewer's message for a diff: the names that changed and the command to refresh; given both
 * surfaces, each changed declaration's text before and after.
 */
export function describeDiff(
  specifier: string,
  file: string,
  diff: ApiDiff,
  surfaces?: { committed: ApiSurface; current: ApiSurface },
): string {
  const parts = [`The public surface of ${specifier} differs from ${file}:`]
  if (diff.added.length > 0) parts.push(`  added: ${diff.added.join(', ')}`)
  if (diff.removed.length > 0) parts.push(`  removed: ${diff.removed.join(', ')}`)
  if (diff.changed.length > 0) parts.push(`  changed: ${diff.changed.join(', ')}`)
  for (const name of surfaces === undefined ? [] : diff.changed) {
    parts.push(`  ${name} was:\n${indent(surfaces?.committed.get(name))}`)
    parts.push(`  ${name} is now:\n${indent(surfaces?.current.get(name))}`)
  }
  parts.push(`If the change is intended, run \`${API_UPDATE_COMMAND}\` and commit ${file}.`)
  return parts.join('\n')
}

function indent(text: string | undefined): string {
  return (text ?? '').replace(/^/gm, '    ')
}
