import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { HistoryEvent } from '../../src/history/events.js'
import { HistoryError, parseHistory, readHistory } from '../../src/history/read.js'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'faultline-history-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const INVOKE = {
  type: 'invoke',
  id: 1,
  process: 0,
  time: 5,
  op: 'read-product',
  workload: 'reads',
  key: 'p1',
}
const OK = {
  type: 'ok',
  id: 1,
  process: 0,
  time: 9,
  op: 'read-product',
  key: 'p1',
  value: { version: 3 },
}
const FAULT = { type: 'fault', phase: 'start', id: 7, time: 6, fault: 'kill', target: 'redis' }
const MARK = { type: 'mark', time: 10, name: 'quiesced' }

async function collect(source: AsyncIterable<HistoryEvent>): Promise<HistoryEvent[]> {
  const out: HistoryEvent[] = []
  for await (const event of source) out.push(event)
  return out
}

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, text)
  return path
}

async function failure(source: AsyncIterable<HistoryEvent>): Promise<HistoryError> {
  const error: unknown = await collect(source).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(HistoryError)
  return error as HistoryError
}

describe('readHistory()', () => {
  test('streams every event of an NDJSON file from disk, in file order', async () => {
    const lines = [INVOKE, FAULT, OK, MARK].map((e) => JSON.stringify(e))
    const path = await file('history.ndjson', `${lines.join('\n')}\n`)
    expect(await collect(readHistory(path))).toEqual([INVOKE, FAULT, OK, MARK])
  })

  test('reads a file larger than one chunk, with lines split across chunks', async () => {
    const events = Array.from({ length: 30_000 }, (_, i) => ({
      ...INVOKE,
      id: i,
      time: i,
      key: `product-${i}`,
    }))
    const path = await file('large.ndjson', events.map((e) => JSON.stringify(e)).join('\n'))
    const read = await collect(readHistory(path))
    expect(read.length).toBe(30_000)
    expect(read[29_999]).toEqual(events[29_999])
  })

  test('accepts CRLF endings, blank lines and multi-byte characters split across chunks', async () => {
    const chunks = [Buffer.from(`${JSON.stringify({ ...INVOKE, key: 'cafè' })}\r\n\r\n`)]
    const bytes = Buffer.concat([
      ...chunks,
      Buffer.from(`${JSON.stringify({ ...OK, key: 'cafè' })}\n`),
    ])
    const at = bytes.indexOf(Buffer.from('è', 'utf8')) + 1 // split inside the 2-byte è
    const events = await collect(parseHistory([bytes.subarray(0, at), bytes.subarray(at)]))
    expect(events.map((e) => (e as { key: string }).key)).toEqual(['cafè', 'cafè'])
  })

  test('a line that is not JSON fails with its line number and the problem', async () => {
    const path = await file(
      'bad-json.ndjson',
      `${JSON.stringify(INVOKE)}\n\n{"type":"ok",\n${JSON.stringify(OK)}\n`,
    )
    const error = await failure(readHistory(path))
    expect(error.code).toBe('E_CLI_HISTORY_MALFORMED')
    expect(error.context).toEqual({ source: path, line: 3 })
    expect(error.message).toMatch(/line 3: not valid JSON/)
  })

  test.each([
    [{ ...INVOKE, time: 'soon' }, 'field `time` must be a number >= 0'],
    [{ ...INVOKE, id: 1.5 }, 'field `id` must be an integer'],
    [{ ...OK, process: undefined }, 'field `process` is missing'],
    [{ ...FAULT, phase: 'middle' }, 'field `phase` must be "start" or "end"'],
    [{ ...MARK, name: 'lunch' }, 'field `name` must be one of run-start'],
    [
      { ...INVOKE, type: 'invokes' },
      'field `type` must be one of invoke, ok, fail, info, fault, mark',
    ],
    [[1, 2], 'expected a JSON object'],
    [{ ...OK, status: '200' }, 'field `status` must be an integer when present'],
  ])(
    'a well-formed JSON line that is not an event fails naming the field (%#)',
    async (bad, problem) => {
      const text = [INVOKE, bad].map((e) => JSON.stringify(e)).join('\n')
      const error = await failure(parseHistory([text], 'h.ndjson'))
      expect(error.message).toContain(`h.ndjson line 2: ${problem}`)
      expect(error.context.line).toBe(2)
    },
  )

  test('a truncated last line fails by default and is skipped when allowed', async () => {
    const text = `${JSON.stringify(INVOKE)}\n{"type":"ok","id":1,"pro`
    const error = await failure(parseHistory([text], 'h'))
    expect(error.message).toMatch(/line 2: .*the last line has no newline.*allowTruncatedTail/)
    const skipped: number[] = []
    const events = await collect(
      parseHistory([text], 'h', {
        allowTruncatedTail: true,
        onTruncatedTail: (line) => skipped.push(line),
      }),
    )
    expect(events).toEqual([INVOKE])
    expect(skipped).toEqual([2])
  })

  test('a malformed line in the middle fails even when a truncated tail is allowed', async () => {
    const text = `{"nope"\n${JSON.stringify(INVOKE)}\n`
    const error = await failure(parseHistory([text], 'h', { allowTruncatedTail: true }))
    expect(error.context.line).toBe(1)
  })

  test('a line longer than the limit fails instead of filling memory', async () => {
    const error = await failure(parseHistory(['x'.repeat(100)], 'h', { maxLineLength: 50 }))
    expect(error.message).toContain('line 1: longer than 50 characters')
  })

  test('a missing file fails with E_CLI_HISTORY_UNREADABLE naming the path', async () => {
    const path = join(dir, 'nowhere', 'history.ndjson')
    const error = await failure(readHistory(path))
    expect(error.code).toBe('E_CLI_HISTORY_UNREADABLE')
    expect(error.message).toContain(path)
    expect(error.message).toContain('ENOENT')
  })
})
