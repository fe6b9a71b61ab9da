import { fileURLToPath } from 'node:url'

/**
 * The absolute path of `src/services/<name>/main.ts` (or `.js` when running from `dist`), the
 * entry the supervisor starts for a service.
 */
export function serviceEntry(folder: string): string {
  const self = fileURLToPath(import.meta.url)
  const extension = self.endsWith('.ts') ? 'ts' : 'js'
  return fileURLToPath(new URL(`../${folder}/main.${extension}`, import.meta.url))
}
