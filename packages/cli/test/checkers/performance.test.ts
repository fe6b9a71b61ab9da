import { describe, expect, test } from 'vitest'
import { runChecks } from '../../src/checkers/registry.js'
import type { HistoryEvent } from '../../src/history/events.js'

const EVENTS = 1_000_000
const PROCESSES = 50
const KEYS = 10_000

interface Planted {
  id?: number
  reads: number
  events: number
}

/**
 * A generated history of `EVENTS` events, produced lazily (never held whole): rounds of one
 * operation per process, 10% writes and 90% reads of the current version, and, in the last
 * round, one read planted stale (it returns a version older than a write acknowledged long
 * before). Returns the planted read's id through `planted`.
 */
function* history(planted: Planted): Generator<HistoryEvent> {
  const versions = new Int32Array(KEYS)
  let id = 0
  const rounds = EVENTS / (2 * PROCESSES)
  for (let round = 0; round < rounds; round++) {
    const ops: { id: number; process: number; key: string; write: boolean; version: number }[] = []
    for (let p = 0; p < PROCESSES; p++) {
      const n = round * PROCESSES + p
      const k = (Math.imul(n, 0x9e3779b1) >>> 0) % KEYS
      const write = (Math.imul(n, 0x85ebca6b) >>> 0) % 10 === 0
      if (write) versions[k]!++
      let version = versions[k]!
      const last = round === rounds - 1 && planted.id === undefined && !write
      if (last && version > 1) {
        version = 0
        planted.id = id
      }
      if (!write) planted.reads++
      ops.push({ id: id++, process: p, key: `p${k}`, write, version })
    }
    const t = round * 1_000_000 // rounds 1 s apart: every acknowledged write binds the next round
    for (const op of ops) {
      const base = {
        id: op.id,
        process: op.process,
        key: op.key,
        op: op.write ? 'write-product' : 'read-product',
      }
      planted.events++
      yield { type: 'invoke', ...base, time: t + op.process, workload: 'perf', value: {} }
    }
    for (const op of ops) {
      const base = {
        id: op.id,
        process: op.process,
        key: op.key,
        op: op.write ? 'write-product' : 'read-product',
      }
      const value = op.write
        ? { version: op.version, token: `t${op.id}` }
        : { version: op.version === 0 ? null : op.version }
      planted.events++
      yield { type: 'ok', ...base, time: t + 500_000 + op.process, value, status: 200 }
    }
  }
}

describe('checkers at scale', () => {
  test(
    `every checker takes ${EVENTS.toLocaleString('en')} history events in one streaming pass`,
    { timeout: 600_000 },
    async () => {
      const planted: Planted = { reads: 0, events: 0 }
      const started = performance.now()
      const results = await runChecks(
        [
          'staleness',
          { name: 'staleness', options: { monotonicReads: true, windowMs: 0 } },
          'herd',
          'errorBudget',
          'sagas',
          'auth',
          'delivery',
          'convergence',
        ],
        history(planted),
        { processes: [{ name: 'catalog-query#1', alive: true }] },
      )
      const ms = Math.round(performance.now() - started)
      console.log(`checked ${EVENTS} events with ${results.length} checks in ${ms} ms`)
      const [staleness, monotonic, , budget] = results
      expect(planted.events).toBe(EVENTS)
      expect(planted.id).toBeDefined()
      expect(staleness!.stats.reads).toBe(planted.reads)
      expect(staleness!.verdict).toBe('invalid')
      expect(staleness!.stats.stale).toBe(1)
      expect(staleness!.counterexamples[0]!.historyIds![0]).toBe(planted.id)
      expect(monotonic!.stats.nonMonotonic).toBe(1)
      expect(budget!.stats.ops).toBe(EVENTS / 2)
      expect(budget!.verdict).toBe('valid')
    },
  )
})
