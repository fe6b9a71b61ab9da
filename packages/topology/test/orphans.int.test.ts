import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { findExecutable } from '../src/lb/proc.js'
import { alive, waitFor } from './helpers.js'

const fixture = fileURLToPath(new URL('./fixtures/supervise-and-hang.ts', import.meta.url))
const providers = findExecutable('nginx') === undefined ? ['node'] : ['nginx', 'node']

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  } catch {
    return undefined
  }
}

/** Every live descendant of `root`, from /proc, with its command line. */
function descendants(root: number): { pid: number; cmd: string }[] {
  const pids = readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number)
  const found = new Set([root])
  for (let grew = true; grew;) {
    grew = false
    for (const pid of pids) {
      if (found.has(pid) || !found.has(parentOf(pid) ?? -1)) continue
      found.add(pid)
      grew = true
    }
  }
  found.delete(root)
  return [...found].filter(alive).map((pid) => ({
    pid,
    cmd: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim(),
  }))
}

describe.each(providers)('supervisor SIGKILLed (balancer %s)', (provider) => {
  test('leaves no process behind, a paused instance and nginx included, and no run dir', async () => {
    const child = spawn(
      process.execPath,
      ['--conditions=@faultline/source', '--import', 'tsx', fixture, provider],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    const line = await new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        if (out.includes('\n')) resolve(out.split('\n')[0] ?? '')
      })
      child.once('exit', (code) => reject(new Error(`fixture exited early with ${code}`)))
    })
    const { runDir, served } = JSON.parse(line) as { runDir: string; served: number }
    expect(served).toBe(200)
    const tree = descendants(child.pid ?? 0)
    const services = tree.filter((p) => p.cmd.includes('echo-service.ts'))
    expect(services).toHaveLength(2)
    if (provider === 'nginx')
      expect(tree.filter((p) => p.cmd.startsWith('nginx')).length).toBeGreaterThanOrEqual(2)

    child.kill('SIGKILL')
    await waitFor(
      'every process the supervisor started to be gone',
      () => tree.every((p) => !alive(p.pid)),
      20_000,
    ).catch(() => {
      throw new Error(`still alive: ${JSON.stringify(tree.filter((p) => alive(p.pid)))}`)
    })
    await waitFor('the run dir to be removed', () => !existsSync(runDir), 20_000)
  })
})
