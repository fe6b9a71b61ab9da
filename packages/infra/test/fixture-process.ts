import { spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, mkdtempSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url))

/** Whether something accepts TCP connections on the loopback port. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => (socket.destroy(), resolve(true)))
    socket.once('error', () => resolve(false))
  })
}

/** Polls `check` until it holds or `timeoutMs` passes; says which. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return true
    await sleep(100)
  }
  return false
}

/**
 * Runs a fixture script (through tsx, from source) with its own world-writable TMPDIR, and
 * resolves with its child process, the first line it prints, and that TMPDIR.
 */
export async function runFixture(
  fixture: string,
): Promise<{ child: ChildProcess; line: string; tmp: string }> {
  const tmp = mkdtempSync(join(tmpdir(), 'faultline-cleanup-test-'))
  chmodSync(tmp, 0o777)
  const child = spawn(
    process.execPath,
    ['--conditions=@faultline/source', '--import', 'tsx', fileURLToPath(fixture)],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TMPDIR: tmp } },
  )
  const line = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (out.includes('\n')) resolve(out.split('\n')[0] ?? '')
    })
    child.once('exit', (code) => reject(new Error(`fixture exited early with ${code}`)))
  })
  return { child, line, tmp }
}
