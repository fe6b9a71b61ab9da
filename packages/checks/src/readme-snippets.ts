import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import ts from 'typescript'
import { diagnosticText, sourceCompilerOptions } from './compiler.js'
import { repoRoot } from './repo.js'

/** The comment that, on the line before a code block, exempts a deliberate fragment. */
export const SKIP_MARKER = '<!-- snippet: skip -->'

/**
 * Opens a comment before a code block whose lines the check prepends to the block, unseen by
 * readers: the declarations a short snippet relies on (`declare const cache: ...`), which are
 * type-checked like the snippet itself. The comment ends with a line holding only `-->`.
 */
export const PRELUDE_MARKER = '<!-- snippet: prelude'

/** One ```ts block of a README, with its prelude if it has one. */
export interface Snippet {
  /** The README's path relative to the repo root. */
  readme: string
  /** The 1-based README line of the block's first code line. */
  line: number
  /** The prelude's lines followed by the block's. */
  code: string
  /** The 1-based README line of each line of `code`. */
  lineMap: number[]
}

/** A type error in a snippet, located in its README. */
export interface SnippetError {
  readme: string
  line: number
  message: string
}

const FENCE_OPEN = /^\s*```(ts|typescript)\s*$/
const FENCE_CLOSE = /^\s*```\s*$/

/**
 * Every ```ts / ```typescript block of a README, except those marked with {@link SKIP_MARKER},
 * each with the {@link PRELUDE_MARKER} comment right before it, if any.
 */
export function extractSnippets(readme: string, markdown: string): Snippet[] {
  const lines = markdown.split('\n')
  const snippets: Snippet[] = []
  for (let index = 0; index < lines.length; index += 1) {
    if (!FENCE_OPEN.test(lines[index] ?? '')) continue
    const start = index + 1
    let end = start
    while (end < lines.length && !FENCE_CLOSE.test(lines[end] ?? '')) end += 1
    const before = commentBefore(lines, index)
    if (before?.kind !== 'skip') {
      const prelude = before?.kind === 'prelude' ? before.lines : []
      const body = range(start, end)
      const lineMap = [...prelude, ...body].map((line) => line + 1)
      const code = [...prelude, ...body].map((line) => lines[line] ?? '').join('\n')
      snippets.push({ readme, line: start + 1, code, lineMap })
    }
    index = end
  }
  return snippets
}

type Before = { kind: 'skip' } | { kind: 'prelude'; lines: number[] }

function commentBefore(lines: string[], fence: number): Before | undefined {
  let previous = fence - 1
  while (previous >= 0 && (lines[previous] ?? '').trim() === '') previous -= 1
  const last = (lines[previous] ?? '').trim()
  if (last === SKIP_MARKER) return { kind: 'skip' }
  if (last !== '-->') return undefined
  let open = previous - 1
  while (open >= 0 && !(lines[open] ?? '').trim().startsWith('<!--')) open -= 1
  if ((lines[open] ?? '').trim() !== PRELUDE_MARKER) return undefined
  return { kind: 'prelude', lines: range(open + 1, previous) }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, offset) => from + offset)
}

/** The snippets of the given READMEs (paths relative to the repo root; missing files are skipped). */
export function readmeSnippets(readmes: readonly string[]): Snippet[] {
  return readmes
    .filter((readme) => existsSync(join(repoRoot, readme)))
    .flatMap((readme) => extractSnippets(readme, readFileSync(join(repoRoot, readme), 'utf8')))
}

/**
 * Type-checks snippets together as ES modules, each its own file under `node_modules/.cache`
 * inside the repo so `@faultline/*` imports resolve to the workspace packages' sources, and
 * returns every error located at its README line.
 */
export function checkSnippets(snippets: readonly Snippet[]): SnippetError[] {
  const cacheDir = join(repoRoot, 'node_modules', '.cache')
  mkdirSync(cacheDir, { recursive: true })
  const dir = mkdtempSync(join(cacheDir, 'faultline-snippets-'))
  try {
    const files = new Map<string, Snippet>()
    snippets.forEach((snippet, index) => {
      const file = join(dir, `snippet-${index}.ts`)
      writeFileSync(file, `${snippet.code}\n`)
      files.set(file, snippet)
    })
    // A reader's project is `strict` but rarely has this repo's `noUncheckedIndexedAccess`.
    const options = sourceCompilerOptions({
      noEmit: true,
      noUncheckedIndexedAccess: false,
      moduleDetection: ts.ModuleDetectionKind.Force,
    })
    const program = ts.createProgram({ rootNames: [...files.keys()], options })
    return [...files].flatMap(([file, snippet]) => snippetErrors(program, file, snippet))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function snippetErrors(program: ts.Program, file: string, snippet: Snippet): SnippetError[] {
  const source = program.getSourceFile(file)
  if (source === undefined)
    return [{ readme: snippet.readme, line: snippet.line, message: 'not compiled' }]
  const diagnostics = [
    ...program.getSyntacticDiagnostics(source),
    ...program.getSemanticDiagnostics(source),
  ]
  return diagnostics.map((diagnostic) => {
    const offset =
      diagnostic.start === undefined
        ? 0
        : source.getLineAndCharacterOfPosition(diagnostic.start).line
    const line = snippet.lineMap[offset] ?? snippet.line
    return { readme: snippet.readme, line, message: diagnosticText(diagnostic) }
  })
}

/** One line per error: `README path:line: TSxxxx: message`. */
export function formatSnippetErrors(errors: readonly SnippetError[]): string {
  return errors.map((error) => `${error.readme}:${error.line}: ${error.message}`).join('\n')
}

/** The repo's READMEs: the top-level one, then each package's (not this package's own). */
export function repoReadmes(): { owner: string; readme: string }[] {
  const packages = readdirSync(join(repoRoot, 'packages'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== 'checks')
    .map((entry) => entry.name)
    .filter((pkg) => existsSync(join(repoRoot, 'packages', pkg, 'README.md')))
    .sort()
  return [
    { owner: 'README.md', readme: 'README.md' },
    ...packages.map((pkg) => ({ owner: pkg, readme: `packages/${pkg}/README.md` })),
  ]
}
