import ts from 'typescript'

/**
 * Compiler options for the checks' in-memory programs: the repo's base options, resolving
 * `@faultline/*` through each package's `@faultline/source` export condition so the checks read
 * the sources as they are now and never depend on a stale `dist/`.
 */
export function sourceCompilerOptions(overrides: ts.CompilerOptions = {}): ts.CompilerOptions {
  return {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    customConditions: ['@faultline/source'],
    strict: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: true,
    types: ['node'],
    ...overrides,
  }
}

/** Formats a diagnostic's message text on one line. */
export function diagnosticText(diagnostic: ts.Diagnostic): string {
  return `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`
}
