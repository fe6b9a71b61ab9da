import { describe, expect, test } from 'vitest'
import { createUpcasters, Upcasters } from '../src/upcast.js'
import { isSyncKitError } from '../src/errors.js'
import { itemEvent } from './consumer/support.js'

const chain = () =>
  createUpcasters({
    'price.set': {
      steps: {
        1: (p) => ({ cents: (p as { euros: number }).euros * 100 }),
        2: (p) => ({ ...(p as object), currency: 'EUR' }),
      },
    },
  })

describe('Upcasters', () => {
  test('lifts v1 through every step to the current version, without mutating the input', () => {
    const v1 = itemEvent('a', 1, 0, { type: 'price.set', payload: { euros: 3 } })
    const lifted = chain().upcast(v1)
    expect(lifted).toMatchObject({ schemaVersion: 3, payload: { cents: 300, currency: 'EUR' } })
    expect(v1).toMatchObject({ schemaVersion: 1, payload: { euros: 3 } })
  })

  test('current version: 1 + highest step, 1 without steps, or as declared', () => {
    expect(chain().currentVersion('price.set')).toBe(3)
    expect(chain().currentVersion('other')).toBe(1)
    expect(new Upcasters().declareCurrent('other', 4).currentVersion('other')).toBe(4)
  })

  test('a version newer than the current one is E_SYNC_UNKNOWN_EVENT', () => {
    const err = catchErr(() =>
      chain().upcast(itemEvent('a', 1, 0, { type: 'price.set', schemaVersion: 4 })),
    )
    expect(isSyncKitError(err, 'E_SYNC_UNKNOWN_EVENT')).toBe(true)
    expect(String(err)).toMatch(/price.set@4 is newer than the known version 3/)
  })

  test('a missing step is E_SYNC_UNKNOWN_EVENT naming the version', () => {
    const r = new Upcasters().register('t', 2, (p) => p)
    const err = catchErr(() => r.upcast(itemEvent('a', 1, 0, { type: 't' })))
    expect(isSyncKitError(err, 'E_SYNC_UNKNOWN_EVENT')).toBe(true)
    expect(String(err)).toMatch(/no upcaster lifts t@1/)
  })

  test('a step that throws or returns nothing is E_SYNC_UPCAST_FAILED', () => {
    const throwing = new Upcasters().register('t', 1, () => {
      throw new Error('boom')
    })
    const empty = new Upcasters().register('t', 1, () => undefined as never)
    const event = itemEvent('a', 1, 0, { type: 't' })
    expect(
      isSyncKitError(
        catchErr(() => throwing.upcast(event)),
        'E_SYNC_UPCAST_FAILED',
      ),
    ).toBe(true)
    expect(String(catchErr(() => empty.upcast(event)))).toMatch(/returned no payload/)
  })

  test('register() rejects a version below 1', () => {
    expect(
      isSyncKitError(
        catchErr(() => new Upcasters().register('t', 0, (p) => p)),
        'E_SYNC_INVALID_OPTION',
      ),
    ).toBe(true)
  })
})

function catchErr(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  return undefined
}
