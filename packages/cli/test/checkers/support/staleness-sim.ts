import fc from 'fast-check'
import type { HistoryEvent } from '../../../src/history/events.js'

/** How reads choose what they return. */
export type Mode = 'valid' | 'plant' | 'chaos'

/** One client step of the simulation. */
export interface Step {
  readonly kind: 'write' | 'delete' | 'read'
  readonly key: number
  readonly process: number
  /** Gap before it starts, µs. */
  readonly gap: number
  readonly latency: number
  /** For writes: ok, info (committed or not) or fail. */
  readonly outcome: 'ok' | 'info-committed' | 'info-lost' | 'fail'
  /** For reads: which allowed state to return (0..1), and whether to use a held token. */
  readonly pick: number
  readonly useToken: boolean
}

/** A committed state of a key: a version, a write or a delete. */
interface State {
  readonly id: number
  readonly version: number
  readonly commitTime: number
  readonly ackTime?: number
  readonly isDelete: boolean
}

/** What the simulation produced: the history and, per read id, how it was chosen. */
export interface Simulated {
  readonly events: HistoryEvent[]
  readonly reads: number
  readonly acked: number
  /** The read id planted stale, when one was. */
  readonly planted?: number
}

export const stepArb: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom('write', 'delete', 'read', 'read', 'read'),
  key: fc.integer({ min: 0, max: 2 }),
  process: fc.integer({ min: 0, max: 4 }),
  gap: fc.integer({ min: 0, max: 80_000 }),
  latency: fc.integer({ min: 1, max: 150_000 }),
  outcome: fc.constantFrom('ok', 'ok', 'ok', 'info-committed', 'info-lost', 'fail'),
  pick: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
  useToken: fc.boolean(),
})

/**
 * Simulates a store whose reads may lag: a read returns any committed state that is no older
 * than the newest one acknowledged more than `windowUs` before it began (and than its token's),
 * and was committed before it returned. Writes of one key are serialised (a new one starts after
 * the previous commit), so versions follow commit order. Mode `plant`: the first read that can
 * be made stale returns a committed write older than what binds it. Mode `chaos`: every read
 * returns any state committed before it returned, or not-found, stale or not.
 */
export function simulate(
  steps: readonly Step[],
  windowUs: number,
  mode: Mode = 'valid',
): Simulated {
  const sim = new Simulation(windowUs, mode)
  // Start with one acknowledged write and one read, so the history is never vacuous.
  sim.run({
    kind: 'write',
    key: 0,
    process: 0,
    gap: 0,
    latency: 10,
    outcome: 'ok',
    pick: 0,
    useToken: false,
  })
  for (const step of steps) sim.run(step)
  sim.run({
    kind: 'read',
    key: 0,
    process: 0,
    gap: 1,
    latency: 10,
    outcome: 'ok',
    pick: 0.99,
    useToken: false,
  })
  return sim.result()
}

class Simulation {
  private readonly events: { event: HistoryEvent; seq: number }[] = []
  private readonly states = new Map<string, State[]>()
  private readonly lastCommit = new Map<string, number>()
  private readonly free = new Map<number, number>()
  private readonly tokens = new Map<string, State>()
  private clock = 0
  private id = 1
  private reads = 0
  private acked = 0
  private planted: number | undefined

  constructor(
    private readonly windowUs: number,
    private readonly mode: Mode,
  ) {}

  run(step: Step): void {
    const key = `p${step.key}`
    this.clock += step.gap
    let start = Math.max(this.clock, this.free.get(step.process) ?? 0)
    if (step.kind !== 'read') start = Math.max(start, (this.lastCommit.get(key) ?? -1) + 1)
    // Steps start in simulation order, so everything acknowledged before a read began is known.
    this.clock = start
    const end = start + step.latency
    this.free.set(step.process, end + 1)
    const id = this.id++
    if (step.kind === 'read') this.read(id, key, step, start, end)
    else this.write(id, key, step, start, end)
  }

  private push(event: HistoryEvent): void {
    this.events.push({ event, seq: this.events.length })
  }

  private write(id: number, key: string, step: Step, start: number, end: number): void {
    const op = step.kind === 'delete' ? 'delete-product' : 'write-product'
    const base = { id, process: step.process, op, key }
    this.push({ type: 'invoke', ...base, time: start, workload: 'w' })
    const states = this.states.get(key) ?? []
    this.states.set(key, states)
    const committed = step.outcome === 'ok' || step.outcome === 'info-committed'
    const version = (states.at(-1)?.version ?? 0) + 1
    const commitTime = start + Math.floor(step.latency / 2)
    const ackTime = step.outcome === 'ok' ? end : undefined
    if (committed) {
      const state: State = { id, version, commitTime, ackTime, isDelete: step.kind === 'delete' }
      states.push(state)
      this.lastCommit.set(key, commitTime)
      if (ackTime !== undefined) this.tokens.set(`${step.process}:${key}`, state)
    }
    if (step.outcome === 'ok') {
      this.acked++
      this.push({ type: 'ok', ...base, time: end, value: { version, token: `tok-${id}` } })
    } else this.push({ type: step.outcome === 'fail' ? 'fail' : 'info', ...base, time: end })
  }

  private read(id: number, key: string, step: Step, start: number, end: number): void {
    const token = step.useToken ? this.tokens.get(`${step.process}:${key}`) : undefined
    const states = this.states.get(key) ?? []
    const binding = newest(
      states.filter((s) => s.ackTime !== undefined && s.ackTime < start - this.windowUs),
      token,
    )
    const visible = states.filter((s) => s.commitTime <= end)
    const anything = this.mode === 'chaos'
    let allowed: (State | undefined)[] = visible.filter(
      (s) => anything || binding === undefined || s.version >= binding.version,
    )
    if (binding === undefined || anything) allowed = [undefined, ...allowed]
    let chosen = allowed[Math.floor(step.pick * allowed.length)]
    const older = visible.filter(
      (s) => binding !== undefined && s.version < binding.version && !s.isDelete,
    )
    if (this.mode === 'plant' && this.planted === undefined && older.length > 0) {
      chosen = older[Math.floor(step.pick * older.length)]
      this.planted = id
    }
    const input = token === undefined ? {} : { token: `tok-${token.id}` }
    const base = { id, process: step.process, op: 'read-product', key }
    this.push({ type: 'invoke', ...base, time: start, workload: 'w', value: input })
    const version = chosen === undefined || chosen.isDelete ? null : chosen.version
    this.push({ type: 'ok', ...base, time: end, value: { version } })
    this.reads++
  }

  result(): Simulated {
    const events = this.events
      .sort((a, b) => a.event.time - b.event.time || a.seq - b.seq)
      .map((e) => e.event)
    return { events, reads: this.reads, acked: this.acked, planted: this.planted }
  }
}

function newest(states: readonly State[], token: State | undefined): State | undefined {
  let best = token
  for (const s of states) if (best === undefined || s.version > best.version) best = s
  return best
}
