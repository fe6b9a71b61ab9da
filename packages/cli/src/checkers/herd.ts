import type { FaultEvent, HistoryEvent } from '../history/events.js'
import type { CheckerPass } from './checker.js'
import { Findings, missingPart } from './findings.js'
import { field, type Operation, OperationPairer } from './operations.js'
import { COMMON_SPECS, defineChecker, type CommonOptions } from './options.js'
import type { SystemSnapshot } from './snapshot.js'
import { countAtMost, countBelow, groupBy } from './sorted.js'
import type { CheckResult } from './verdict.js'

/** Options of the {@link herd} checker. */
export interface HerdOptions extends CommonOptions {
  /** Loader calls one herd may cause, across all nodes. @default 1 */
  readonly maxLoadsPerHerd: number
  /** The `fault` kind whose start and end bracket a herd on a cold key. @default 'herd' */
  readonly herdFault: string
  /** Loads allowed per key on top of the bound, e.g. for TTL expiries in a long run. @default 0 */
  readonly extraLoadsPerKey: number
  /** Reads of the key a window needs before it counts as a herd. @default 2 */
  readonly minHerdReads: number
}

interface HerdWindow {
  readonly id: number
  readonly key: string
  readonly start: number
  end: number
}

const READS = new Set(['read-product', 'read-products'])
const WRITES = new Set(['write-product', 'delete-product'])

function herdKey(event: FaultEvent): string {
  const key = event.detail?.key
  return typeof key === 'string' ? key : event.target
}

/** The keys a read asked for, whatever its outcome: every one of them may have missed. */
function keysRead(op: Operation): string[] {
  if (op.op === 'read-product') return op.key === undefined ? [] : [op.key]
  const ids = field(op.input, 'ids')
  if (Array.isArray(ids)) return ids.filter((id): id is string => typeof id === 'string')
  const versions = field(op.output, 'versions')
  return typeof versions === 'object' && versions !== null ? Object.keys(versions) : []
}

class HerdPass implements CheckerPass {
  private readonly windows = new Map<number, HerdWindow>()
  private readonly readTimes = new Map<string, number[]>()
  private readonly invalidations = new Map<string, number>()
  private readonly findings: Findings
  private unmatchedEnds = 0
  private readonly pairer = new OperationPairer(
    (op) => this.operation(op),
    (name) => READS.has(name) || WRITES.has(name),
  )

  constructor(private readonly options: HerdOptions) {
    this.findings = new Findings('herd', herd.guarantees, options.maxCounterexamples)
  }

  observe(event: HistoryEvent): void {
    if (event.type !== 'fault') return this.pairer.observe(event)
    if (event.fault !== this.options.herdFault) return
    const open = this.windows.get(event.id)
    if (event.phase === 'start') {
      this.windows.set(event.id, {
        id: event.id,
        key: herdKey(event),
        start: event.time,
        end: Infinity,
      })
    } else if (open === undefined) this.unmatchedEnds++
    else open.end = event.time
  }

  private operation(op: Operation): void {
    if (WRITES.has(op.op)) {
      if (op.type !== 'fail' && op.key !== undefined) {
        this.invalidations.set(op.key, (this.invalidations.get(op.key) ?? 0) + 1)
      }
      return
    }
    for (const key of keysRead(op)) this.readsOf(key).push(op.invokeTime)
  }

  private readsOf(key: string): number[] {
    let times = this.readTimes.get(key)
    if (times === undefined) this.readTimes.set(key, (times = []))
    return times
  }

  finish(snapshot: SystemSnapshot): CheckResult {
    this.pairer.finish()
    const byKey = groupBy(this.windows.values(), (w) => w.key)
    this.undecidedReasons(snapshot, byKey.size)
    const calls = snapshot.cache?.loaderCalls
    if (calls !== undefined) for (const [key, herds] of byKey) this.checkKey(key, herds, calls[key])
    const { herds = 0, herdsExercised = 0 } = this.findings.stats
    if (byKey.size > 0 && herdsExercised === 0) {
      this.findings.undecided(
        `no herd window saw ${this.options.minHerdReads} or more reads of its key`,
      )
    }
    return this.findings.result(
      `${herds} herd(s) on ${byKey.size} cold key(s), bound ${this.options.maxLoadsPerHerd} load(s) per herd`,
    )
  }

  private undecidedReasons(snapshot: SystemSnapshot, keys: number): void {
    const problem = this.pairer.problem()
    if (problem !== undefined) this.findings.undecided(problem)
    if (this.unmatchedEnds > 0)
      this.findings.undecided(`${this.unmatchedEnds} herd end(s) without a start`)
    if (keys === 0)
      this.findings.undecided(
        `no herd window (\`fault\` events of kind \`${this.options.herdFault}\`) in the history`,
      )
    if (snapshot.cache === undefined)
      this.findings.undecided(missingPart('cache', snapshot.unavailable))
  }

  private checkKey(key: string, herds: HerdWindow[], calls: number | undefined): void {
    const times = (this.readTimes.get(key) ?? []).sort((a, b) => a - b)
    for (const w of herds) {
      this.findings.count('herds')
      const reads = countAtMost(times, w.end) - countBelow(times, w.start)
      this.findings.count('herdReads', reads)
      if (reads >= this.options.minHerdReads) this.findings.count('herdsExercised')
    }
    if (calls === undefined)
      return this.findings.undecided(`no loader-call count for cold key ${key}`)
    this.findings.count('loaderCalls', calls)
    const firstStart = Math.min(...herds.map((w) => w.start))
    const warmUp = countBelow(times, firstStart) > 0 ? 1 : 0
    const invalidations = this.invalidations.get(key) ?? 0
    const bound =
      herds.length * this.options.maxLoadsPerHerd +
      invalidations +
      warmUp +
      this.options.extraLoadsPerKey
    if (calls === 0) {
      return this.findings.undecided(
        `cold key ${key} had 0 loader calls over ${herds.length} herd(s): it was never cold, or loads are not counted`,
      )
    }
    if (calls <= bound) return
    this.findings.violation('overBound', {
      message: `key ${key}: ${calls} loader calls across all nodes, bound ${bound} (${herds.length} herd(s) x ${this.options.maxLoadsPerHerd} + ${invalidations} invalidation(s) + ${warmUp} warm-up + ${this.options.extraLoadsPerKey} extra)`,
      key,
      historyIds: herds.map((w) => w.id),
      detail: { calls, bound, herds: herds.length, invalidations, warmUp },
    })
  }
}

/**
 * **herd** (C4): N concurrent misses on a cold key, across all nodes, cause one loader call.
 *
 * A herd window is a `fault` event pair of kind `herdFault` (default `herd`) whose `detail.key`
 * (or else `target`) is the entity key, the key the history's reads use: the scenario makes the
 * key cold at the start and sends the herd inside the window. The snapshot's
 * `cache.loaderCalls[key]` (summed over every node, whole run) must be at most
 * `herds x maxLoadsPerHerd + invalidations + warm-up + extraLoadsPerKey`, where invalidations
 * are the key's writes and deletes that may have happened (`ok` or `info`: each makes the key
 * cold again) and warm-up is 1 when the key was read before its first herd.
 *
 * `unknown` without herd windows, without `cache` in the snapshot, without a count for a herd
 * key, with 0 loader calls for a key (it was never cold), or when no window saw `minHerdReads`
 * reads of its key.
 */
export const herd = defineChecker<HerdOptions>({
  name: 'herd',
  guarantees: ['C4'],
  description:
    'a herd of concurrent misses on a cold key causes at most one loader call across all nodes',
  defaults: {
    maxCounterexamples: 20,
    maxLoadsPerHerd: 1,
    herdFault: 'herd',
    extraLoadsPerKey: 0,
    minHerdReads: 2,
  },
  specs: {
    ...COMMON_SPECS,
    maxLoadsPerHerd: { kind: 'number', min: 1, integer: true },
    herdFault: { kind: 'string' },
    extraLoadsPerKey: { kind: 'number', min: 0, integer: true },
    minHerdReads: { kind: 'number', min: 1, integer: true },
  },
  begin: (options) => new HerdPass(options),
})
