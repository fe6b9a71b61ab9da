import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'

const here = fileURLToPath(new URL('.', import.meta.url))
const bin = join(here, '..', 'src', 'bin.ts')
const target = join(here, 'fixtures', 'test-target.ts')

interface Exit {
  code: number | null
  stdout: string
  stderr: string
  pid: number
}

/** Runs the real bin (from source under tsx) as a child process. */
function faultline(
  args: string[],
  onStdout?: (text: string, child: ReturnType<typeof spawn>) => void,
): Promise<Exit> {
  const child = spawn(
    process.execPath,
    ['--conditions=@faultline/source', '--import', 'tsx', bin, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
    onStdout?.(stdout, child)
  })
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr, pid: child.pid as number })),
  )
}

function outDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'faultline-run-')), 'run')
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('faultline run (the real bin)', () => {
  test('a passing run exits 0 and writes the run dir, JUnit and NDJSON', async () => {
    const out = outDir()
    const junit = join(out, '..', 'junit.xml')
    const result = await faultline([
      'run',
      join(here, 'fixtures', 'ok-scenario.ts'),
      '--target',
      target,
      '--out',
      out,
      '--seed',
      '7',
      '--json',
      '--junit',
      junit,
    ])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    for (const file of [
      'summary.json',
      'history.ndjson',
      'scenario.json',
      'timeline.ndjson',
      'logs',
    ]) {
      expect(existsSync(join(out, file))).toBe(true)
    }
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; schema: string })
    expect(lines[0]?.type).toBe('run:started')
    expect(lines.at(-1)).toMatchObject({
      type: 'summary',
      schema: 'faultline.summary/v1',
      status: 'passed',
      seed: 7,
    })
    expect(lines.some((l) => l.type === 'fault:started')).toBe(true)
    const record = JSON.parse(readFileSync(join(out, 'scenario.json'), 'utf8')) as {
      seed: number
      schedule: unknown[]
    }
    expect(record.seed).toBe(7)
    expect(record.schedule).toHaveLength(1)
    expect(readFileSync(junit, 'utf8')).toContain('<testcase classname="faultline.thresholds"')
  })

  test('a failing threshold exits 99 with a ✗ in the plain summary and no escape codes', async () => {
    const result = await faultline([
      'run',
      join(here, 'fixtures', 'failing-scenario.ts'),
      '--target',
      target,
      '--out',
      outDir(),
    ])
    expect(result.code).toBe(99)
    expect(result.stdout).toMatch(/✗ http_req_duration {2}p\(50\)<1/)
    expect(result.stdout).toContain('failed: a threshold or check did not hold (exit 99)')
    expect(result.stdout).not.toContain('\u001b[')
  })

  test('--replay reruns with the recorded seed and schedule', async () => {
    const first = outDir()
    await faultline([
      'run',
      join(here, 'fixtures', 'ok-scenario.ts'),
      '--target',
      target,
      '--out',
      first,
    ])
    const second = outDir()
    const result = await faultline(['run', '--replay', first, '--target', target, '--out', second])
    expect(result.code).toBe(0)
    const read = (dir: string) =>
      JSON.parse(readFileSync(join(dir, 'scenario.json'), 'utf8')) as {
        seed: number
        schedule: unknown
      }
    expect(read(second).seed).toBe(read(first).seed)
    expect(read(second).schedule).toEqual(read(first).schedule)
  })

  test('SIGINT mid-run reverts faults, writes a partial summary marked interrupted and leaves no child', async () => {
    const out = outDir()
    let sent = false
    const result = await faultline(
      ['run', join(here, 'fixtures', 'long-scenario.ts'), '--target', target, '--out', out],
      (stdout, child) => {
        if (!sent && stdout.includes('fault #1 pause redis started')) {
          sent = true
          child.kill('SIGINT')
        }
      },
    )
    expect(sent).toBe(true)
    expect(result.code).toBe(130)
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      status: string
      interrupted: boolean
      faults: { endedMs?: number }[]
    }
    expect(summary).toMatchObject({ status: 'interrupted', interrupted: true })
    expect(summary.faults[0]?.endedMs).toBeDefined()
    const history = readFileSync(join(out, 'history.ndjson'), 'utf8')
    expect(history).toContain('"phase":"end"')
    expect(history).toContain('"name":"interrupted"')
    expect(alive(result.pid)).toBe(false)
  })

  test('a scenario file that does not type-check is refused before anything starts (exit 1)', async () => {
    const out = outDir()
    const result = await faultline([
      'run',
      join(here, 'fixtures', 'bad-types-scenario.ts'),
      '--target',
      target,
      '--out',
      out,
    ])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('does not type-check')
    expect(result.stderr).toContain("Type 'string' is not assignable to type 'number'")
    expect(existsSync(out)).toBe(false)
  })

  test('bad flags and unknown names exit 1 naming the fix', async () => {
    const duration = await faultline(['run', 'x', '--duration', '5x'])
    expect(duration.code).toBe(1)
    expect(duration.stderr).toContain("--duration: '5x' has an unreadable part")
    const flag = await faultline(['run', '--nope'])
    expect(flag.code).toBe(1)
    expect(flag.stderr).toContain("unknown option '--nope'")
    const area = await faultline(['bench', 'gpu'])
    expect(area.code).toBe(1)
    expect(area.stderr).toContain('use one of: cache, sync, saga, topology')
  })
})
