import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, test } from 'vitest'

const PACKAGE = fileURLToPath(new URL('../', import.meta.url))

/** The README's `ts` code blocks, dedented (some sit inside list items). */
function snippets(): string[] {
  const readme = readFileSync(`${PACKAGE}README.md`, 'utf8')
  const blocks: string[] = []
  for (const match of readme.matchAll(/^( *)```ts\n([\s\S]*?)^\1```$/gm)) {
    const indent = match[1] ?? ''
    const body = match[2] ?? ''
    blocks.push(
      body
        .split('\n')
        .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
        .join('\n'),
    )
  }
  return blocks
}

/**
 * Type-checks each snippet as a module of this package, importing the kits from their sources
 * (the `@faultline/source` condition), exactly as a user's file importing the real exports.
 */
function typeErrors(files: ReadonlyMap<string, string>): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    customConditions: ['@faultline/source'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
  }
  const host = ts.createCompilerHost(options)
  const readFile = host.readFile.bind(host)
  const fileExists = host.fileExists.bind(host)
  const getSourceFile = host.getSourceFile.bind(host)
  host.readFile = (name) => files.get(name) ?? readFile(name)
  host.fileExists = (name) => files.has(name) || fileExists(name)
  host.getSourceFile = (name, language, ...rest) => {
    const text = files.get(name)
    return text === undefined
      ? getSourceFile(name, language, ...rest)
      : ts.createSourceFile(name, text, language)
  }
  const program = ts.createProgram([...files.keys()], options, host)
  return [...files.keys()].flatMap((name) => {
    const source = program.getSourceFile(name)
    return [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ].map((diagnostic) => {
      const where =
        diagnostic.start === undefined || source === undefined
          ? ''
          : `:${source.getLineAndCharacterOfPosition(diagnostic.start).line + 1}`
      return `${name.slice(PACKAGE.length)}${where}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`
    })
  })
}

describe('README', () => {
  test('every ts snippet type-checks against the real exports', () => {
    const blocks = snippets()
    expect(blocks.length).toBeGreaterThanOrEqual(4)
    const files = new Map(
      blocks.map((block, index) => [`${PACKAGE}test/readme-snippet-${index + 1}.ts`, block]),
    )
    expect(typeErrors(files)).toEqual([])
  }, 120_000)
})
