import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { checkConvergence } from '../../src/checkers/functions.js'
import type { ReadModelSnapshot } from '../../src/checkers/snapshot.js'
import { quiescedHistory } from './support/history.js'

const quiet = quiescedHistory()

/** Digests rows as sync-kit does in spirit: sorted canonical JSON, sha256. */
function digest(rows: readonly { id: string; version: number }[]) {
  const text = rows
    .map((r) => JSON.stringify(r))
    .sort()
    .join('\n')
  return { checksum: createHash('sha256').update(text).digest('hex'), rows: rows.length }
}

const rowsArb = fc.uniqueArray(
  fc.record({ id: fc.string({ minLength: 1, maxLength: 6 }), version: fc.nat(9) }),
  {
    selector: (r) => r.id,
    maxLength: 30,
  },
)

function modelOf(
  name: string,
  source: { id: string; version: number }[],
  model = source,
): ReadModelSnapshot {
  return { name, source: digest(source), model: digest(model) }
}

describe('convergence checker', () => {
  test('read models equal to their source, in any row order, are valid (200 runs)', () => {
    fc.assert(
      fc.property(fc.array(rowsArb, { minLength: 1, maxLength: 4 }), (sources) => {
        const models = sources.map((rows, i) => modelOf(`model-${i}`, rows, [...rows].reverse()))
        const result = checkConvergence(quiet, { readModels: models })
        expect(result.verdict).toBe('valid')
        expect(result.stats.readModels).toBe(models.length)
      }),
      { numRuns: 200 },
    )
  })

  test('a read model one row behind its source is invalid and named (200 runs)', () => {
    fc.assert(
      fc.property(
        fc.array(rowsArb, { minLength: 1, maxLength: 4 }),
        fc.nat(),
        fc.nat(),
        (sources, pickModel, pickRow) => {
          const victim = pickModel % sources.length
          fc.pre(sources[victim]!.length > 0)
          const models = sources.map((rows, i) => {
            if (i !== victim) return modelOf(`model-${i}`, rows)
            const row = pickRow % rows.length
            const behind = rows.map((r, j) => (j === row ? { ...r, version: r.version + 1 } : r))
            return { ...modelOf(`model-${i}`, rows, behind), differingKeys: [rows[row]!.id] }
          })
          const result = checkConvergence(quiet, { readModels: models })
          expect(result.verdict).toBe('invalid')
          expect(result.counterexamples.map((c) => c.key)).toEqual([`model-${victim}`])
          expect(result.counterexamples[0]!.message).toContain(
            `differing rows: ${sources[victim]![pickRow % sources[victim]!.length]!.id}`,
          )
        },
      ),
      { numRuns: 200 },
    )
  })

  test('a difference before quiescence is unknown, not invalid', () => {
    const model = modelOf('search', [{ id: 'a', version: 1 }], [])
    const result = checkConvergence([], { readModels: [model] })
    expect(result.verdict).toBe('unknown')
    expect(result.stats.divergedBeforeQuiescence).toBe(1)
    expect(
      checkConvergence([], { readModels: [model] }, { requireQuiescence: false }).verdict,
    ).toBe('invalid')
  })

  describe('unknown, never valid', () => {
    test('without read models in the snapshot', () => {
      expect(checkConvergence(quiet, {}).verdict).toBe('unknown')
      expect(checkConvergence(quiet, { readModels: [] }).verdict).toBe('unknown')
    })

    test('when a read model the scenario names is missing', () => {
      const result = checkConvergence(
        quiet,
        { readModels: [modelOf('search', [])] },
        { readModels: ['search', 'orders-view'] },
      )
      expect(result.verdict).toBe('unknown')
      expect(result.summary).toContain('orders-view')
    })
  })
})
