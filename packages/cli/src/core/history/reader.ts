import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import type { HistoryEvent } from '../../history/events.js'

/**
 * Reads a `history.ndjson` back for the checkers. A last line cut short by a crash is skipped (the
 * events before it still count); any other unreadable line is an error naming its number.
 */
export async function readHistory(file: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = []
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })
  let pending: { line: string; number: number } | undefined
  let number = 0
  for await (const line of lines) {
    number++
    if (pending !== undefined)
      throw new Error(`${file}:${pending.number} is not a JSON history event`)
    if (line.trim() === '') continue
    try {
      events.push(JSON.parse(line) as HistoryEvent)
    } catch {
      pending = { line, number }
    }
  }
  return events
}
