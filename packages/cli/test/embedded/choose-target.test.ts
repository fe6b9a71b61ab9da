import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { describe, expect, test } from 'vitest'
import { runCommand } from '../../src/commands/run.js'
import { chooseTarget, parseInfra } from '../../src/targets/choose-target.js'

describe('chooseTarget', () => {
  test('embedded is the in-memory target, which measures nothing real', async () => {
    const chosen = await chooseTarget('embedded')
    expect(chosen.infra).toBe('embedded')
    expect(chosen.note).toBeUndefined()
    expect(chosen.provider.describe()).toMatchObject({ name: 'embedded', measuresReality: false })
  })

  test('auto falls back to embedded while no topology target is registered, and says so', async () => {
    const chosen = await chooseTarget('auto')
    expect(chosen.infra).toBe('embedded')
    expect(chosen.note).toMatch(/embedded \(in-memory\).*nothing real is measured/)
  })

  test.each(['local', 'docker', 'external'])('%s needs the topology target', async (mode) => {
    await expect(chooseTarget(mode)).rejects.toMatchObject({
      code: 'E_CLI_TARGET',
      message: expect.stringMatching(/--infra embedded/) as unknown,
    })
  })

  test('an unknown mode names the choices', () => {
    expect(() => parseInfra('cloud')).toThrow(/auto, local, docker, external, embedded/)
  })
})

describe('faultline run --infra embedded', () => {
  function io() {
    const stdout = new PassThrough()
    let text = ''
    stdout.on('data', (chunk: Buffer) => (text += chunk.toString()))
    return { io: { stdout, signal: new AbortController().signal }, text: () => text }
  }

  test('runs a library scenario in memory; the JSON summary says nothing real was measured', async () => {
    const { io: runIo, text } = io()
    const out = join(mkdtempSync(join(tmpdir(), 'faultline-infra-')), 'run')
    const code = await runCommand(
      'order-saga-happy',
      { infra: 'embedded', smoke: true, duration: '1s', json: true, report: false, out },
      runIo,
    )
    expect(code).toBe(0)
    const last = JSON.parse(text().trim().split('\n').at(-1) as string) as {
      target: unknown
      notes: string[]
    }
    expect(last.target).toEqual({ name: 'embedded', measuresReality: false })
    expect(last.notes.join(' ')).toMatch(/nothing real was measured/)
  })

  test('--target and --infra together are refused', async () => {
    const { io: runIo } = io()
    await expect(
      runCommand('order-saga-happy', { infra: 'embedded', target: 'embedded' }, runIo),
    ).rejects.toMatchObject({ code: 'E_CLI_INVALID_OPTION' })
  })
})
