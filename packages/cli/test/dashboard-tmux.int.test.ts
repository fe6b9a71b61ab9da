import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, test } from 'vitest'
import { chromiumMissing } from './support/chromium.js'
import { REPO_ROOT, reportsFile, updateDocsImage } from './support/paths.js'
import { terminalToPng } from './support/terminal-png.js'
import { processesOf, Tmux, tmuxMissing, waitFor } from './support/tmux.js'

const here = fileURLToPath(new URL('.', import.meta.url))
const missing = tmuxMissing()
const SESSION = 'dash'

/** Whether `pid` still runs (a zombie has exited: only its parent has yet to reap it). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

describe.skipIf(missing !== undefined)(
  `faultline run on a terminal (tmux, 80x24)${missing === undefined ? '' : ` (skipped: ${missing})`}`,
  () => {
    const tmux = new Tmux()
    afterAll(() => tmux.stop())

    test('shows live numbers and the active fault, and q stops the run cleanly leaving no process', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'faultline-tmux-'))
      const out = join(dir, 'run')
      const statusFile = join(dir, 'exit-status')
      const command = [
        // tmux 3.3 may mark a pane dead without ever reaping its process (a zombie with no
        // pane_dead_status), so a shell runs the CLI in the foreground and records its status.
        'sh',
        '-c',
        `'"$@"; echo $? > ${statusFile}'`,
        'sh',
        // As on a developer's terminal: in CI (CI=true) the CLI prints plain lines instead.
        'env',
        '-u',
        'CI',
        '-u',
        'CONTINUOUS_INTEGRATION',
        process.execPath,
        '--conditions=@faultline/source',
        '--import',
        'tsx',
        join(here, '..', 'src', 'bin.ts'),
        'run',
        join(here, 'fixtures', 'live-scenario.ts'),
        '--target',
        join(here, 'fixtures', 'live-target.ts'),
        '--out',
        out,
        '--seed',
        '3',
      ].join(' ')
      // From the repository root, as a user runs it (tsx then reads the root tsconfig, not ours).
      tmux.start(SESSION, command, REPO_ROOT)
      const pid = Number(tmux.pane(SESSION, 'pane_pid'))
      expect(pid).toBeGreaterThan(0)

      // The frame shows a workload row with its numbers and the live cache ratio.
      const live = await waitFor(
        'a frame with live numbers',
        () => {
          const screen = tmux.capture(SESSION)
          return /readers\s+\d+(\.\d+)?\s+\d[\d.]*(µs|ms|s)\s/.test(screen) &&
            /hit ratio \d/.test(screen)
            ? screen
            : undefined
        },
        90_000,
        () => tmux.capture(SESSION, false, true),
      )
      expect(live).toContain('fixture-live')
      expect(live).toMatch(/running \d+ {2}completed \d+/)
      expect(live).toMatch(/consumer \d+ msgs/)
      // The bus pause runs from 10 s to 18 s of load: wait until the frame highlights it and the
      // consumer lag it causes shows.
      const withFault = await waitFor(
        'the bus pause highlighted, with consumer lag',
        () => {
          const screen = tmux.capture(SESSION)
          return /▶ #2 pause kafka.*ACTIVE/.test(screen) && /consumer [1-9]\d* msgs/.test(screen)
            ? screen
            : undefined
        },
        90_000,
        () => tmux.capture(SESSION, false, true),
      )
      expect(withFault).toMatch(/✓ #1 latency link:catalog-query->redis.*ended/)
      const colored = tmux.capture(SESSION, true)
      for (const line of withFault.split('\n')) expect([...line].length).toBeLessThanOrEqual(80)
      expect(colored).toContain('\u001b[')
      const captureFile = reportsFile('dashboard.ansi')
      writeFileSync(captureFile, colored)

      tmux.run('send-keys', '-t', SESSION, 'q')
      const exitStatus = await waitFor(
        'the run to exit',
        () => {
          const status = existsSync(statusFile) ? readFileSync(statusFile, 'utf8').trim() : ''
          return status === '' ? undefined : status
        },
        60_000,
        () => tmux.capture(SESSION, false, true),
      )
      expect(exitStatus).toBe('130')
      await waitFor('the pane to close', () => (running(pid) ? undefined : true), 10_000)
      expect(processesOf(pid)).toEqual([])
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
        status: string
        interrupted: boolean
        faults: { startedMs?: number; endedMs?: number }[]
      }
      expect(summary).toMatchObject({ status: 'interrupted', interrupted: true })
      for (const fault of summary.faults.filter((f) => f.startedMs !== undefined))
        expect(fault.endedMs).toBeDefined()
      const after = tmux.capture(SESSION, false, true)
      expect(after).toContain('interrupted: partial results; faults were reverted (exit 130)')
      // --report is on by default: an interrupted run gets its (partial) report too.
      expect(after).toContain(`report:   ${join(out, 'report.html')}`)
      expect(existsSync(join(out, 'report.html'))).toBe(true)

      if (chromiumMissing() === undefined) {
        const png = reportsFile('dashboard.png')
        await terminalToPng(colored, reportsFile('dashboard.html'), png)
        updateDocsImage(png, 'dashboard.png')
      }
    })
  },
)
