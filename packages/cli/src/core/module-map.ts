import * as NodeModule from 'node:module'
import { register } from 'node:module'
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The files `@faultline/cli` and `@faultline/scenarios` resolve to in this installation. */
export function faultlineModules(): Record<string, string> {
  const ext = extname(fileURLToPath(import.meta.url))
  return {
    '@faultline/cli': fileURLToPath(new URL(`../index${ext}`, import.meta.url)),
    '@faultline/scenarios': fileURLToPath(import.meta.resolve('@faultline/scenarios')),
  }
}

let installed = false

/**
 * Lets a user's scenario file anywhere on disk import `@faultline/cli` and `@faultline/scenarios`
 * (it has no node_modules of its own): an ESM resolve hook, and the same mapping for a file tsx
 * loads as CommonJS (a `.ts` outside an ESM package), through Node's CJS resolver.
 */
export function installModuleMap(): void {
  if (installed) return
  installed = true
  const map = faultlineModules()
  const hook = `let map = {}
export function initialize(data) { map = data.map }
export async function resolve(specifier, context, next) {
  const mapped = map[specifier]
  return next(mapped === undefined ? specifier : new URL('file://' + mapped).href, context)
}`
  register(`data:text/javascript,${encodeURIComponent(hook)}`, import.meta.url, { data: { map } })
  const cjs = NodeModule.Module as unknown as {
    _resolveFilename: (request: string, ...rest: unknown[]) => string
  }
  const original = cjs._resolveFilename
  cjs._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
    return original.call(this, map[request] ?? request, ...rest)
  }
}
