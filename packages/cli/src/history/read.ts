import { createReadStream } from 'node:fs'
import { FaultlineError } from '@faultline/common'
import type { HistoryEvent } from './events.js'
import { toHistoryEvent } from './parse-event.js'

/** Codes a {@link HistoryError} carries. */
export type HistoryErrorCode = 'E_CLI_HISTORY_MALFORMED' | 'E_CLI_HISTORY_UNREADABLE'

/** Where in which history the problem is. */
export interface HistoryErrorContext {
  /** The file (or the name given for a stream). */
  readonly source?: string
  /** 1-based line number. */
  readonly line?: number
}

/** A history that cannot be read, or a line of it that is not a well-formed event. */
export class HistoryError extends FaultlineError<HistoryErrorCode, HistoryErrorContext> {
  override name = 'HistoryError'
}

/** Options for {@link readHistory} and {@link parseHistory}. */
export interface ReadHistoryOptions {
  /**
   * Skip a last line that has no newline and does not parse, instead of failing: a run killed
   * while the recorder was writing leaves one. Every other malformed line still fails.
   * @default false
   */
  readonly allowTruncatedTail?: boolean
  /** Told about a truncated last line that was skipped. */
  readonly onTruncatedTail?: (line: number, problem: string) => void
  /**
   * Longest line accepted, in characters; a longer one fails rather than filling memory.
   * @default 16_777_216
   */
  readonly maxLineLength?: number
}

const DEFAULT_MAX_LINE = 16 * 1024 * 1024

function parseLine(text: string): { event?: HistoryEvent; problem?: string } {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return { problem: `not valid JSON (${(error as Error).message})` }
  }
  const parsed = toHistoryEvent(value)
  return parsed.ok ? { event: parsed.event } : { problem: parsed.problem }
}

function malformed(source: string, line: number, problem: string): HistoryError {
  return new HistoryError(
    'E_CLI_HISTORY_MALFORMED',
    `${source} line ${line}: ${problem}. Each line must be one history event as JSON (see history/events.ts); fix or remove the line.`,
    { context: { source, line } },
  )
}

/**
 * Parses NDJSON history text arriving in chunks, one event per line, without holding more than
 * one line in memory. Blank lines are skipped; `\r\n` endings are accepted. A line that is not
 * JSON or not a well-formed event fails with {@link HistoryError} `E_CLI_HISTORY_MALFORMED`,
 * naming the source, the 1-based line number and the problem.
 */
export async function* parseHistory(
  chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  source = 'history',
  options: ReadHistoryOptions = {},
): AsyncGenerator<HistoryEvent> {
  const maxLine = options.maxLineLength ?? DEFAULT_MAX_LINE
  const decoder = new TextDecoder('utf-8', { fatal: false })
  let pending = ''
  let line = 0
  for await (const chunk of chunks) {
    pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })
    let start = 0
    for (let end = pending.indexOf('\n'); end !== -1; end = pending.indexOf('\n', start)) {
      line++
      const event = eventOf(pending.slice(start, end), source, line)
      if (event !== undefined) yield event
      start = end + 1
    }
    pending = pending.slice(start)
    if (pending.length > maxLine) {
      throw malformed(source, line + 1, `longer than ${maxLine} characters`)
    }
  }
  pending += decoder.decode()
  yield* lastLine(pending, source, line + 1, options)
}

function eventOf(raw: string, source: string, line: number): HistoryEvent | undefined {
  const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw
  if (text.trim() === '') return undefined
  const { event, problem } = parseLine(text)
  if (event === undefined) throw malformed(source, line, problem ?? 'unreadable')
  return event
}

function* lastLine(text: string, source: string, line: number, options: ReadHistoryOptions) {
  if (text.trim() === '') return
  const { event, problem } = parseLine(text)
  if (event !== undefined) {
    yield event
    return
  }
  if (options.allowTruncatedTail === true) {
    options.onTruncatedTail?.(line, problem ?? 'unreadable')
    return
  }
  throw malformed(
    source,
    line,
    `${problem ?? 'unreadable'} (the last line has no newline: the run may have been killed while writing; allowTruncatedTail skips it)`,
  )
}

/**
 * Streams the events of a `history.ndjson` file in file order. Fails with
 * {@link HistoryError} `E_CLI_HISTORY_UNREADABLE` when the file cannot be opened or read, and
 * `E_CLI_HISTORY_MALFORMED` at the first malformed line (see {@link parseHistory}).
 */
export async function* readHistory(
  path: string,
  options: ReadHistoryOptions = {},
): AsyncGenerator<HistoryEvent> {
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024 })
  try {
    yield* parseHistory(readChunks(stream, path), path, options)
  } finally {
    stream.destroy()
  }
}

async function* readChunks(stream: AsyncIterable<Buffer>, path: string): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of stream) yield chunk
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message
    throw new HistoryError(
      'E_CLI_HISTORY_UNREADABLE',
      `Cannot read the history ${path} (${reason}): check the run dir path and that history.ndjson is there.`,
      { context: { source: path }, cause: error },
    )
  }
}
