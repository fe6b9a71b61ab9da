// The dashboard's CPU per redraw, alone: a run's worth of progress events pushed into the real
// ink dashboard on a fake 100x30 terminal, every event published at once, CPU time divided by the
// frames ink wrote. Prints one JSON line. Spawned by bench/dashboard/run.ts.
import { PassThrough, Writable } from 'node:stream'
import { startDashboard } from '../../src/ui/dashboard/start-dashboard.js'
import { faultChanged, FULL_LIVE, phase, sampled, started } from './run-events.js'

const FRAMES = Number(process.argv[2] ?? 600)

let bytes = 0
const stdout = Object.assign(
  new Writable({
    write(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length
      callback()
    },
  }),
  { isTTY: true, columns: 100, rows: 30, hasColors: () => true },
)
const stdin = Object.assign(new PassThrough(), {
  isTTY: true,
  setRawMode: () => stdin,
  ref: () => stdin,
  unref: () => stdin,
})

const dashboard = startDashboard({
  stdout: stdout as unknown as NodeJS.WriteStream,
  stdin: stdin as unknown as NodeJS.ReadStream,
  onQuit: () => undefined,
  minIntervalMs: 1,
})
dashboard.push(started())
dashboard.push(phase('load'))
dashboard.push(
  faultChanged('fault:started', 1, 'latency', 'link:catalog-query->redis', 10_000, 20_000),
)
const before = process.cpuUsage()
const startedAt = performance.now()
for (let i = 1; i <= FRAMES; i++) {
  dashboard.push(sampled(i % 60, { ...FULL_LIVE, consumer_lag_messages: i }, [1]))
  // One macrotask per event, so each is drawn before the next comes.
  await new Promise((resolve) => setTimeout(resolve, 2))
}
const cpu = process.cpuUsage(before)
const wallMs = performance.now() - startedAt
await dashboard.finish()
const renders = dashboard.renders()
const cpuMs = (cpu.user + cpu.system) / 1000
console.log(
  JSON.stringify({
    events: FRAMES,
    renders,
    cpuMs,
    wallMs,
    bytes,
    cpuMsPerRender: cpuMs / Math.max(1, renders),
  }),
)
process.exit(0)
