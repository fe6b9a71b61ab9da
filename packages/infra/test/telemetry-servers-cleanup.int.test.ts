import { existsSync, rmSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { accepts, runFixture, waitFor } from './fixture-process.js'
import { HANG_MS } from './conditions.js'

const fixture = new URL('./fixtures/start-telemetry-servers-and-hang.ts', import.meta.url).href

describe('cleanup of Zipkin and Prometheus', () => {
  test('both servers and their temp dirs go away when the starting process is SIGKILLed', async () => {
    const { child, line, tmp } = await runFixture(fixture)
    const report = JSON.parse(line) as { ports: number[]; dirs: string[] }
    expect(report.dirs.some((d) => d.includes('faultline-zipkin-'))).toBe(true)
    expect(report.dirs.some((d) => d.includes('faultline-prometheus-'))).toBe(true)
    for (const port of report.ports) expect(await accepts(port)).toBe(true)

    child.kill('SIGKILL')
    const portsClosed = await waitFor(
      async () => !(await Promise.all(report.ports.map(accepts))).some(Boolean),
      HANG_MS,
    )
    const dirsGone = await waitFor(
      () => Promise.resolve(report.dirs.every((dir) => !existsSync(dir))),
      HANG_MS,
    )
    expect({ portsClosed, dirsGone }).toEqual({ portsClosed: true, dirsGone: true })
    rmSync(tmp, { recursive: true, force: true })
  })
})
