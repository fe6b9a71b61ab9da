import { spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { isLive } from '../src/local/proc-children.js'

const fixture = fileURLToPath(new URL('./fixtures/start-and-hang.ts', import.meta.url))
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url))

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => (socket.destroy(), resolve(true)))
    socket.once('error', () => resolve(false))
  })
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return true
    await sleep(100)
  }
  return false
}

describe('cleanup', () => {
  test('servers and temp dirs go away when the test process is SIGKILLed', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'faultline-cleanup-test-'))
    chmodSync(tmp, 0o777)
    const child = spawn(
      process.execPath,
      ['--conditions=@faultline/source', '--import', 'tsx', fixture],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, TMPDIR: tmp },
      },
    )
    const line = await new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        if (out.includes('\n')) resolve(out.split('\n')[0] ?? '')
      })
      child.once('exit', (code) => reject(new Error(`fixture exited early with ${code}`)))
    })
    const report = JSON.parse(line) as { ports: number[]; dirs: string[]; backend: number }
    const ours = report.dirs
    expect(ours.length).toBeGreaterThanOrEqual(2)
    for (const port of report.ports) expect(await accepts(port)).toBe(true)

    child.kill('SIGKILL')
    const portsClosed = await waitFor(
      async () => !(await Promise.all(report.ports.map(accepts))).some(Boolean),
      15_000,
    )
    const dirsGone = await waitFor(
      () => Promise.resolve(ours.every((dir) => !existsSync(dir))),
      15_000,
    )
    // A backend busy in a query is outside the server's process group (Postgres calls setsid)
    // and would run on for minutes if only the group were killed.
    const backendGone = await waitFor(() => Promise.resolve(!isLive(report.backend)), 15_000)
    expect({ portsClosed, dirsGone, backendGone }).toEqual({
      portsClosed: true,
      dirsGone: true,
      backendGone: true,
    })
    rmSync(tmp, { recursive: true, force: true })
  })
})
