import { existsSync, rmSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { isLive } from '../src/local/proc-children.js'
import { accepts, runFixture, waitFor } from './fixture-process.js'
import { HANG_MS } from './conditions.js'

const fixture = new URL('./fixtures/start-and-hang.ts', import.meta.url).href

describe('cleanup', () => {
  test('servers and temp dirs go away when the test process is SIGKILLed', async () => {
    const { child, line, tmp } = await runFixture(fixture)
    const report = JSON.parse(line) as { ports: number[]; dirs: string[]; backend: number }
    const ours = report.dirs
    expect(ours.length).toBeGreaterThanOrEqual(2)
    for (const port of report.ports) expect(await accepts(port)).toBe(true)

    child.kill('SIGKILL')
    const portsClosed = await waitFor(
      async () => !(await Promise.all(report.ports.map(accepts))).some(Boolean),
      HANG_MS,
    )
    const dirsGone = await waitFor(
      () => Promise.resolve(ours.every((dir) => !existsSync(dir))),
      HANG_MS,
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
