import { copyFileSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository's root. */
export const REPO_ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..', '..')

/** Where tests keep what a person should look at (screenshots); CI's `reports/`. */
export function reportsFile(name: string): string {
  const dir = join(REPO_ROOT, 'reports', 'cli')
  mkdirSync(dir, { recursive: true })
  return join(dir, name)
}

/**
 * With FAULTLINE_UPDATE_DOCS=1, copies a screenshot a test made from a real run to `docs/img/`
 * (the README shows it); otherwise leaves the docs alone.
 */
export function updateDocsImage(from: string, name: string): void {
  if (process.env.FAULTLINE_UPDATE_DOCS !== '1') return
  const to = join(REPO_ROOT, 'docs', 'img', name)
  mkdirSync(dirname(to), { recursive: true })
  copyFileSync(from, to)
}
