import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

/** How to start one service's process: `node <entry.js>`, or `node --import tsx <entry.ts>`. */
export interface LaunchCommand {
  readonly command: string
  readonly args: readonly string[]
}

/**
 * tsx's loader as a file URL, so `--import` finds it whatever the child's working directory;
 * undefined when tsx is not installed (a built topology runs its `.js` entries without it).
 */
function tsxLoader(): string | undefined {
  try {
    const resolved = createRequire(import.meta.url).resolve('tsx/package.json')
    return pathToFileURL(resolved.replace(/package\.json$/, 'dist/loader.mjs')).href
  } catch {
    return undefined
  }
}

/**
 * The command for a service entry: a `.ts` entry runs under tsx with the `@faultline/source`
 * export condition, so workspace packages load from source as they do in vitest; a `.js` entry
 * runs on plain node.
 */
export function launchCommand(entry: string, execArgv: readonly string[] = []): LaunchCommand {
  if (!/\.[cm]?ts$/.test(entry)) return { command: process.execPath, args: [...execArgv, entry] }
  const loader = tsxLoader()
  if (loader === undefined)
    throw new Error(`${entry} is TypeScript but tsx is not installed; build and run the .js entry`)
  return {
    command: process.execPath,
    args: ['--conditions=@faultline/source', '--import', loader, ...execArgv, entry],
  }
}
