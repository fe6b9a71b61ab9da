import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { syntheticSummary } from './support/summaries.js'

const here = fileURLToPath(new URL('.', import.meta.url))
const bin = join(here, '..', 'src', 'bin.ts')

function faultline(
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['--conditions=@faultline/source', '--import', 'tsx', bin, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })))
}

/** A run dir holding only a summary far faster than any real run: 0.2 ms p99 at 500 ops/s. */
function fastBaseline(root: string): string {
  const dir = join(root, 'baseline')
  mkdirSync(dir, { recursive: true })
  writeFileSync(
    join(dir, 'summary.json'),
    JSON.stringify(syntheticSummary({ p99: 0.2, p50: 0.1, rps: 500 })),
  )
  return dir
}

describe('faultline run --repeat --baseline, and faultline compare (the real bin)', () => {
  test('two runs under one parent with one seed, then exit 99 naming the metrics that regressed', async () => {
    const root = mkdtempSync(join(tmpdir(), 'faultline-baseline-'))
    const baseline = fastBaseline(root)
    const parent = join(root, 'after')
    const run = await faultline([
      'run',
      join(here, 'fixtures', 'ok-scenario.ts'),
      '--target',
      join(here, 'fixtures', 'test-target.ts'),
      '--repeat',
      '2',
      '--out',
      parent,
      '--seed',
      '5',
      '--baseline',
      baseline,
      '--no-report',
    ])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(99)
    expect(run.stdout).toContain('== run 2 of 2')
    expect(run.stdout).toContain('BASELINE')
    expect(run.stdout).toMatch(
      /http_req_duration p99 .*✗ regressed \(1 run a side: tolerance only, untested\)/,
    )
    expect(run.stdout).toMatch(/✗ \d+ metric\(s\) regressed beyond 10%:\n {4}- http_req_duration/)
    for (const name of ['run-1', 'run-2']) {
      const summary = JSON.parse(readFileSync(join(parent, name, 'summary.json'), 'utf8')) as {
        seed: number
        status: string
      }
      expect(summary).toMatchObject({ seed: 5, status: 'passed' })
      expect(existsSync(join(parent, name, 'report.html'))).toBe(false)
    }

    const same = await faultline(['compare', parent, parent, '--json'])
    expect(same.code).toBe(0)
    const comparison = JSON.parse(same.stdout) as {
      baselineRuns: number
      metrics: { verdict: string }[]
    }
    expect(comparison.baselineRuns).toBe(2)
    expect(comparison.metrics.length).toBeGreaterThan(3)
    expect(comparison.metrics.every((m) => m.verdict === 'unchanged')).toBe(true)

    const worse = await faultline(['compare', baseline, parent, '--tolerance', '25%'])
    expect(worse.code).toBe(99)
    expect(worse.stdout).toContain('tolerance: 25%')
    expect(worse.stdout).toMatch(/http_reqs throughput .*✗ regressed/)
  })

  test('a baseline that does not exist fails before anything runs (exit 1)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'faultline-baseline-'))
    const result = await faultline([
      'run',
      join(here, 'fixtures', 'ok-scenario.ts'),
      '--target',
      join(here, 'fixtures', 'test-target.ts'),
      '--out',
      join(root, 'run'),
      '--baseline',
      join(root, 'nope'),
    ])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(
      'does not exist; pass a run directory, its summary.json, or the parent of --repeat runs',
    )
    expect(existsSync(join(root, 'run'))).toBe(false)
    const bad = await faultline(['run', 'x', '--repeat', '0'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('--repeat 0 is not a whole number from 1 to 100')
  })
})
