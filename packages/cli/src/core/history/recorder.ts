import { closeSync, openSync, writeSync } from 'node:fs'
import type { HistoryEvent } from '../../history/events.js'
import { CliError } from '../errors.js'

/** Options of {@link createHistoryRecorder}. */
export interface HistoryRecorderOptions {
  /** The NDJSON file to write (created or truncated). */
  readonly file: string
  /** Bytes buffered before a write. @default 65536 */
  readonly bufferBytes?: number
}

/** Appends history events to NDJSON with bounded memory. */
export interface HistoryRecorder {
  /** The next operation or fault id (ids start at 1). */
  nextId(): number
  /** Buffers one event; writes the buffer once it holds `bufferBytes`. */
  record(event: HistoryEvent): void
  /** Writes what is buffered (e.g. on interrupt). */
  flush(): void
  /** Events recorded so far. */
  readonly count: number
  /** Flushes and closes the file. Idempotent. */
  close(): void
}

/**
 * Records the run history to `file`. Writes are synchronous in buffer-sized batches: memory stays
 * bounded by the buffer whatever the rate, the file is complete the moment `flush()` returns (an
 * interrupt handler can rely on it), and a 64 KiB write costs the event loop far less than one
 * request does.
 */
export function createHistoryRecorder(options: HistoryRecorderOptions): HistoryRecorder {
  const limit = options.bufferBytes ?? 65_536
  let fd: number | undefined = open(options.file)
  let chunks: string[] = []
  let buffered = 0
  let ids = 0
  let count = 0
  const flush = (): void => {
    if (fd === undefined || chunks.length === 0) return
    writeSync(fd, chunks.join(''))
    chunks = []
    buffered = 0
  }
  return {
    nextId: () => ++ids,
    record(event) {
      if (fd === undefined) return
      const line = `${JSON.stringify(event)}\n`
      chunks.push(line)
      buffered += line.length
      count++
      if (buffered >= limit) flush()
    },
    flush,
    get count() {
      return count
    },
    close() {
      flush()
      if (fd !== undefined) closeSync(fd)
      fd = undefined
    },
  }
}

function open(file: string): number {
  try {
    return openSync(file, 'w')
  } catch (cause) {
    throw new CliError(
      'E_CLI_IO',
      `Cannot write the history to ${file}; choose a writable --out directory.`,
      {
        cause,
        context: { file },
      },
    )
  }
}
