import { normalize } from 'node:path'
import ts from 'typescript'

/** A top-level declaration as a consumer's `.d.ts` shows it, found by file and name. */
export interface DeclarationText {
  /** The printed declaration statements, comments removed. */
  text: string
  /** Names the declaration refers to that live elsewhere in the same package, to report too. */
  references: DeclarationRef[]
}

/** Where a referenced declaration lives: a source file of the package and a top-level name. */
export interface DeclarationRef {
  file: string
  name: string
}

/**
 * The declaration emit of a program, one source file at a time and cached: what a consumer's
 * compiler reads from `dist/`, printed per declaration without comments, so a changed doc
 * comment does not change the report but a changed signature does.
 */
export class DeclarationIndex {
  readonly #program: ts.Program
  readonly #options: ts.CompilerOptions
  readonly #emitted = new Map<string, ts.SourceFile>()
  readonly #printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed })

  /** @param program - a program whose options allow declaration emit. */
  constructor(program: ts.Program) {
    this.#program = program
    this.#options = program.getCompilerOptions()
  }

  /**
   * The declaration of `name` at the top level of `file` (a source or a `.d.ts`), or `undefined`
   * when it is not a top-level declaration there (a namespace member, a default export).
   */
  find(file: string, name: string): DeclarationText | undefined {
    const dts = this.#declarationFile(file)
    if (dts === undefined) return undefined
    const statements = dts.statements.filter((statement) => declares(statement, name))
    if (statements.length === 0) return undefined
    const text = statements.map((statement) => this.#print(statement, name, dts)).join('\n')
    const references = statements.flatMap((statement) => this.#references(statement, dts, file))
    return { text, references }
  }

  #declarationFile(file: string): ts.SourceFile | undefined {
    const cached = this.#emitted.get(file)
    if (cached !== undefined) return cached
    const source = this.#program.getSourceFile(file)
    if (source === undefined) return undefined
    let text = source.isDeclarationFile ? source.text : undefined
    if (text === undefined) {
      this.#program.emit(
        source,
        (fileName, data) => {
          if (fileName.endsWith('.d.ts')) text = data
        },
        undefined,
        true,
      )
    }
    if (text === undefined) return undefined
    const parsed = ts.createSourceFile(`${file}.d.ts`, text, ts.ScriptTarget.Latest, true)
    this.#emitted.set(file, parsed)
    return parsed
  }

  #print(statement: ts.Statement, name: string, dts: ts.SourceFile): string {
    if (ts.isVariableStatement(statement) && statement.declarationList.declarations.length > 1) {
      const declaration = statement.declarationList.declarations.find(
        (candidate) => ts.isIdentifier(candidate.name) && candidate.name.text === name,
      )
      const type = declaration?.type?.getText(dts) ?? 'unknown'
      return `export declare const ${name}: ${type};`
    }
    return this.#printer.printNode(ts.EmitHint.Unspecified, statement, dts)
  }

  /** Names a declaration uses from its own package: local declarations and relative imports. */
  #references(statement: ts.Statement, dts: ts.SourceFile, file: string): DeclarationRef[] {
    const found: DeclarationRef[] = []
    const visit = (node: ts.Node): void => {
      if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node)) {
        const head = leftmostIdentifier(
          ts.isTypeReferenceNode(node) ? node.typeName : node.expression,
        )
        if (head !== undefined) found.push(...this.#resolveLocal(head, dts, file))
      } else if (ts.isTypeQueryNode(node)) {
        const head = leftmostIdentifier(node.exprName)
        if (head !== undefined) found.push(...this.#resolveLocal(head, dts, file))
      } else if (ts.isComputedPropertyName(node) && ts.isIdentifier(node.expression)) {
        found.push(...this.#resolveLocal(node.expression.text, dts, file))
      } else if (ts.isImportTypeNode(node)) {
        const target = importTypeTarget(node)
        if (target !== undefined)
          found.push(...this.#resolveImport(target.specifier, target.name, file))
      }
      ts.forEachChild(node, visit)
    }
    visit(statement)
    return found
  }

  #resolveLocal(name: string, dts: ts.SourceFile, file: string): DeclarationRef[] {
    if (dts.statements.some((statement) => declares(statement, name))) return [{ file, name }]
    for (const statement of dts.statements) {
      if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier))
        continue
      const bindings = statement.importClause?.namedBindings
      if (bindings === undefined || !ts.isNamedImports(bindings)) continue
      const element = bindings.elements.find((candidate) => candidate.name.text === name)
      if (element === undefined) continue
      const imported = element.propertyName?.getText(dts) ?? name
      return this.#resolveImport(statement.moduleSpecifier.text, imported, file)
    }
    return []
  }

  /** Follows relative imports only: another package's names belong to that package's report. */
  #resolveImport(specifier: string, name: string, file: string): DeclarationRef[] {
    if (!specifier.startsWith('.')) return []
    const resolved = ts.resolveModuleName(specifier, file, this.#options, ts.sys).resolvedModule
    if (resolved === undefined) return []
    return [{ file: normalize(resolved.resolvedFileName), name }]
  }
}

function declares(statement: ts.Statement, name: string): boolean {
  if (
    ts.isFunctionDeclaration(statement) ||
    ts.isClassDeclaration(statement) ||
    ts.isInterfaceDeclaration(statement) ||
    ts.isTypeAliasDeclaration(statement) ||
    ts.isEnumDeclaration(statement) ||
    ts.isModuleDeclaration(statement)
  ) {
    return (
      statement.name !== undefined &&
      ts.isIdentifier(statement.name) &&
      statement.name.text === name
    )
  }
  if (ts.isVariableStatement(statement)) {
    return statement.declarationList.declarations.some(
      (declaration) => ts.isIdentifier(declaration.name) && declaration.name.text === name,
    )
  }
  return false
}

function leftmostIdentifier(name: ts.Node): string | undefined {
  if (ts.isIdentifier(name)) return name.text
  if (ts.isQualifiedName(name)) return leftmostIdentifier(name.left)
  if (ts.isPropertyAccessExpression(name)) return leftmostIdentifier(name.expression)
  return undefined
}

function importTypeTarget(
  node: ts.ImportTypeNode,
): { specifier: string; name: string } | undefined {
  const argument = node.argument
  if (!ts.isLiteralTypeNode(argument) || !ts.isStringLiteral(argument.literal)) return undefined
  if (node.qualifier === undefined) return undefined
  const name = leftmostIdentifier(node.qualifier)
  return name === undefined ? undefined : { specifier: argument.literal.text, name }
}
