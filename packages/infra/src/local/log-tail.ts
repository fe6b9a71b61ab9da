import { readFile } from 'node:fs/promises'

/** The last `lines` lines of a log file, or a note that there is none yet. */
export async function tailFile(path: string, lines = 30): Promise<string> {
  try {
    const text = await readFile(path, 'utf8')
    return text
      .split('\n')
      .slice(-lines - 1)
      .join('\n')
      .trimEnd()
  } catch {
    return `(no log at ${path})`
  }
}
