import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { describe, expect, test } from 'vitest'
import { runCommand } from '../../src/commands/run.js'
import { chooseTarget, missingServers, parseInfra } from '../../src/targets/choose-target.js'

describe('chooseTarget', () => {
  test('embedded is the in-memory target, which measures nothing real', async () => {
    const chosen = await chooseTarget('embedded')
    expect(chosen.infra).toBe('embedded')
    expect(chosen.note).toBeUndefined()
    expect(chosen.provider.describe()).toMatchObject({ name: 'embedded', measuresReality: false })
  })

  test('auto takes the topology when its servers are here', async () => {
    const chosen = await chooseTarget('auto', () => [])
    expect(chosen.infra).toBe('local')
    expect(chosen.note).toBeUndefined()
    expect(chosen.provider.describe()).toMatchObject({ name: 'topology', measuresReality: true })
  })

  test('auto falls back to embedded when servers are missing, naming them', async () => {
    const chosen = await chooseTarget('auto', () => ['postgres', 'java'])
    expect(chosen.infra).toBe('embedded')
    expect(chosen.note).toMatch(
      /postgres, java missing .*embedded \(in-memory\).*nothing real is measured/,
    )
  })

  test.each(['local', 'docker', 'external'])(
    '%s runs the topology on that infra provider',
    async (mode) => {
      const before = process.env.FAULTLINE_PROVIDER
      try {
        const chosen = await chooseTarget(mode, () => ['postgres'])
        expect(chosen.infra).toBe(mode)
        expect(chosen.provider.describe().name).toBe('topology')
        expect(process.env.FAULTLINE_PROVIDER).toBe(mode)
      } finally {
        if (before === undefined) delete process.env.FAULTLINE_PROVIDER
        else process.env.FAULTLINE_PROVIDER = before
      }
    },
  )

  test('servers served by another provider are not missing', () => {
    expect(missingServers({ FAULTLINE_PROVIDER: 'external' })).toEqual([])
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

  test('--keep-up with the embedded target says there is nothing to keep, and exits', async () => {
    const { io: runIo, text } = io()
    const out = join(mkdtempSync(join(tmpdir(), 'faultline-infra-')), 'run')
    const code = await runCommand(
      'order-saga-happy',
      { infra: 'embedded', smoke: true, duration: '1s', keepUp: true, report: false, out },
      runIo,
    )
    expect(code).toBe(0)
    expect(text()).toContain('--keep-up has nothing to keep')
  })

  test('--target and --infra together are refused', async () => {
    const { io: runIo } = io()
    await expect(
      runCommand('order-saga-happy', { infra: 'embedded', target: 'embedded' }, runIo),
    ).rejects.toMatchObject({ code: 'E_CLI_INVALID_OPTION' })
  })
})
