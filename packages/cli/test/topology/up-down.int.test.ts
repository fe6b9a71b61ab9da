import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose'
import { importKeySet } from '@faultline/topology'
import { describe, expect, test } from 'vitest'

const here = fileURLToPath(new URL('.', import.meta.url))
const bin = join(here, '..', '..', 'src', 'bin.ts')
// Resolved here, so the bin also starts from a directory outside the repository (as a user's).
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

interface Exit {
  code: number | null
  stdout: string
  stderr: string
}

function spawnBin(args: string[], cwd?: string) {
  return spawn(
    process.execPath,
    ['--conditions=@faultline/source', '--import', tsx, bin, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CI: 'true' },
      ...(cwd === undefined ? {} : { cwd }),
    },
  )
}

function faultline(args: string[]): Promise<Exit> {
  const child = spawnBin(args)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })))
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Children of `pid` (direct), from /proc. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number)
  } catch {
    return []
  }
}

describe('faultline up / status / token / down (the real bin, a real topology)', () => {
  test('up keeps a topology running that status sees, token signs for and down stops leaving no process', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'faultline-up-')), 'up')
    const up = spawnBin(['up', '--dir', dir, '--replicas', 'catalog-query=2', '--products', '20'])
    let upOut = ''
    let upErr = ''
    up.stdout.on('data', (chunk: Buffer) => (upOut += chunk.toString()))
    up.stderr.on('data', (chunk: Buffer) => (upErr += chunk.toString()))
    const upExit = new Promise<number | null>((resolve) => up.on('exit', (code) => resolve(code)))
    const upPid = up.pid as number
    try {
      // Wait for the topology to be up: the state file appears after every service is ready.
      while (!upOut.includes('TOKENS')) {
        if (up.exitCode !== null) throw new Error(`up exited ${up.exitCode}: ${upErr}${upOut}`)
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
      expect(upOut).toMatch(/catalog-query-lb\s+http:\/\/127\.0\.0\.1:\d+/)
      expect(existsSync(join(dir, 'topology.json'))).toBe(true)

      // A second up on the same dir is refused, naming the running one.
      const again = await faultline(['up', '--dir', dir])
      expect(again.code).toBe(1)
      expect(again.stderr).toContain(`pid ${upPid}`)

      const status = await faultline(['status', '--dir', dir, '--json'])
      expect(status.code, status.stdout + status.stderr).toBe(0)
      const report = JSON.parse(status.stdout) as {
        up: boolean
        endpoints: { name: string; state: string }[]
      }
      expect(report.up).toBe(true)
      expect(report.endpoints.map((e) => e.name)).toEqual(
        expect.arrayContaining(['catalog-query-lb', 'orders']),
      )

      const token = await faultline([
        'token',
        '--dir',
        dir,
        '--role',
        'customer',
        '--sub',
        'alice',
        '--ttl',
        '5m',
      ])
      expect(token.code, token.stderr).toBe(0)
      const keySet = await importKeySet(JSON.parse(readFileSync(join(dir, 'keys.json'), 'utf8')))
      const verified = await jwtVerify(
        token.stdout.trim(),
        createLocalJWKSet({ keys: [...keySet.jwks().keys] }),
      )
      expect(verified.payload).toMatchObject({ sub: 'alice', roles: ['customer'] })
      // The services check tokens against the same keys: the minted token reads, none is refused.
      const state = JSON.parse(readFileSync(join(dir, 'topology.json'), 'utf8')) as {
        endpoints: Record<string, string>
        auth: { keysFile: string; jwksUrl: string }
      }
      expect(state.auth.keysFile).toBe(join(dir, 'keys.json'))
      const page = `${state.endpoints['catalog-query-lb']}/products?category=books`
      const withToken = await fetch(page, {
        headers: { authorization: `Bearer ${token.stdout.trim()}` },
      })
      expect(withToken.status).toBe(200)
      const anonymous = await fetch(page)
      expect(anonymous.status).toBe(401)
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="faultline"')
      const claims = decodeJwt(token.stdout.trim())
      expect((claims.exp as number) - (claims.iat as number)).toBe(300)
      const badRole = await faultline(['token', '--dir', dir, '--role', 'admin'])
      expect(badRole.code).toBe(1)
      expect(badRole.stderr).toContain('customer, catalog:write, ops, service')

      const children = childrenOf(upPid)
      expect(children.length).toBeGreaterThan(0)
      const down = await faultline(['down', '--dir', dir])
      expect(down.code, down.stdout + down.stderr).toBe(0)
      expect(await upExit).toBe(0)
      expect(upOut).toContain('stopped: no process of the topology is left')
      // up's children include infra's exit watchdogs, which leave right after their parent.
      for (let polls = 0; polls < 300 && children.some(alive); polls++)
        await new Promise((resolve) => setTimeout(resolve, 100))
      expect(children.filter(alive)).toEqual([])
      expect(existsSync(join(dir, 'topology.json'))).toBe(false)

      const after = await faultline(['status', '--dir', dir])
      expect(after.code).toBe(1)
      expect(after.stdout).toContain('no topology is up')
    } finally {
      if (alive(upPid)) process.kill(upPid, 'SIGKILL')
    }
    // Starting a whole topology on a busy 2-core runner takes minutes; the steps wait on conditions.
  }, 600_000)

  test('run --keep-up keeps the topology the run started up after the summary, until down', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'faultline-keep-up-'))
    const dir = join(cwd, '.faultline', 'up')
    const scenario = join(here, '..', 'fixtures', 'keep-up-scenario.ts')
    const run = spawnBin(['run', scenario, '--keep-up', '--no-report', '--out', 'run'], cwd)
    let out = ''
    let err = ''
    run.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    run.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
    const exit = new Promise<number | null>((resolve) => run.on('exit', (code) => resolve(code)))
    const runPid = run.pid as number
    try {
      while (!out.includes('TOKENS')) {
        if (run.exitCode !== null) throw new Error(`run exited ${run.exitCode}: ${err}${out}`)
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
      // The summary came first, then the topology stayed up.
      expect(out.indexOf('THRESHOLDS')).toBeLessThan(out.indexOf('ENDPOINTS'))
      expect(out).toContain('status:   ✓ passed')
      const status = await faultline(['status', '--dir', dir, '--json'])
      expect(status.code, status.stdout + status.stderr).toBe(0)
      expect((JSON.parse(status.stdout) as { up: boolean }).up).toBe(true)
      const children = childrenOf(runPid)
      expect(children.length).toBeGreaterThan(0)

      const down = await faultline(['down', '--dir', dir])
      expect(down.code, down.stdout + down.stderr).toBe(0)
      // The run's own exit code: its thresholds passed.
      expect(await exit).toBe(0)
      expect(out).toContain('stopped: no process of the topology is left')
      for (let polls = 0; polls < 300 && children.some(alive); polls++)
        await new Promise((resolve) => setTimeout(resolve, 100))
      expect(children.filter(alive)).toEqual([])
      expect(existsSync(join(dir, 'topology.json'))).toBe(false)
    } finally {
      if (alive(runPid)) process.kill(runPid, 'SIGKILL')
    }
  }, 600_000)
})
