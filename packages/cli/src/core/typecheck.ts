import { createRequire } from 'node:module'
import { dirname, resolve } from 'node:path'
import ts from 'typescript'
import { faultlineModules } from './module-map.js'

/**
 * Type-checks a user's scenario file against this installation's types with the TypeScript
 * compiler API (strict, NodeNext), `@faultline/*` imports mapped to our own declarations. Returns
 * the diagnostics in the user's file, formatted `file:line:col - message` (empty: it type-checks).
 */
export function typecheckScenarioFile(file: string): string[] {
  const modules = faultlineModules()
  const typesDir = dirname(
    dirname(createRequire(import.meta.url).resolve('@types/node/package.json')),
  )
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowImportingTsExtensions: true,
    customConditions: ['@faultline/source'],
    typeRoots: [typesDir],
    types: ['node'],
    paths: Object.fromEntries(
      Object.entries(modules).map(([name, path]) => [name, [declarationOf(path)]]),
    ),
  }
  const absolute = resolve(file)
  const program = ts.createProgram([absolute], options)
  const source = program.getSourceFile(absolute)
  const diagnostics = [
    ...program.getSyntacticDiagnostics(source),
    ...program.getSemanticDiagnostics(source),
  ]
  return diagnostics.map(format)
}

/** `dist/src/index.js` -> `dist/src/index.d.ts`; a `.ts` source stays. */
function declarationOf(path: string): string {
  return path.endsWith('.js') ? path.replace(/\.js$/, '.d.ts') : path
}

function format(diagnostic: ts.Diagnostic): string {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')
  if (diagnostic.file === undefined || diagnostic.start === undefined) return message
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
  return `${diagnostic.file.fileName}:${line + 1}:${character + 1} - ${message}`
}
