import { readFile } from 'node:fs/promises'

/** The last `lines` lines of a log file, or a note that there is none. */
export async function tailLog(path: string, lines = 30): Promise<string> {
  try {
    const text = await readFile(path, 'utf8')
    return text.trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return `(no log at ${path})`
  }
}
