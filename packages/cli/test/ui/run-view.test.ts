import { PassThrough } from 'node:stream'
import { describe, expect, test } from 'vitest'
import { createRunView, viewKind } from '../../src/ui/run-view.js'
import { FULL_LIVE, phase, sampled, started } from '../support/run-events.js'

function stream(isTTY: boolean): PassThrough & { isTTY?: boolean } {
  const s = new PassThrough() as PassThrough & { isTTY?: boolean }
  if (isTTY) s.isTTY = true
  return s
}

describe('viewKind()', () => {
  test('the dashboard only when stdout and stdin are terminals and it is not turned off', () => {
    const tty = { stdout: stream(true), stdin: stream(true) }
    expect(viewKind(tty, {}, {})).toBe('dashboard')
    expect(viewKind(tty, { dashboard: false }, {})).toBe('plain')
    expect(viewKind(tty, { json: true }, {})).toBe('json')
    expect(viewKind({ stdout: stream(false), stdin: stream(true) }, {}, {})).toBe('plain')
    expect(viewKind({ stdout: stream(true), stdin: stream(false) }, {}, {})).toBe('plain')
    expect(viewKind({ stdout: stream(true) }, {}, {})).toBe('plain')
  })

  test('plain lines on a CI runner even with a terminal (ink would draw only the last frame)', () => {
    const tty = { stdout: stream(true), stdin: stream(true) }
    expect(viewKind(tty, {}, { CI: 'true' })).toBe('plain')
    expect(viewKind(tty, {}, { CONTINUOUS_INTEGRATION: '1' })).toBe('plain')
    expect(viewKind(tty, {}, { CI: 'false' })).toBe('dashboard')
    expect(viewKind(tty, {}, { CI: '0' })).toBe('dashboard')
  })

  test('the plain view writes lines without a single escape code', async () => {
    const stdout = stream(false)
    let text = ''
    stdout.on('data', (chunk: Buffer) => (text += chunk.toString()))
    const view = await createRunView('plain', { stdout })
    for (const event of [started(), phase('load'), sampled(1, FULL_LIVE, [1])]) view.event(event)
    await view.close()
    expect(text).toContain('readers: 812.5 rps')
    expect(text).not.toContain('\u001b')
  })
})
