import { describe, expect, test } from 'vitest'
import {
  createLogicalRelay,
  createMemoryPublisher,
  createPollingRelay,
  isSyncKitError,
} from '@faultline/sync-kit'

const base = {
  connection: 'postgres://nobody@127.0.0.1:1/none',
  publisher: createMemoryPublisher(),
}

describe('relay options', () => {
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['lingerMs below zero', { lingerMs: -1 }, /lingerMs must be a number >= 0, got -1/],
    ['lingerMs not a number', { lingerMs: Number.NaN }, /lingerMs must be a number >= 0/],
    ['batchSize zero', { batchSize: 0 }, /batchSize must be a positive number, got 0/],
    ['no publisher', { publisher: undefined }, /publisher must implement EventPublisher/],
  ]
  for (const create of [createPollingRelay, createLogicalRelay]) {
    for (const [what, patch, message] of bad) {
      test(`${create.name}: ${what} is refused at construction, naming the option`, () => {
        let caught: unknown
        try {
          create({ ...base, ...patch })
        } catch (err) {
          caught = err
        }
        expect(isSyncKitError(caught, 'E_SYNC_INVALID_OPTION')).toBe(true)
        expect((caught as Error).message).toMatch(message)
      })
    }
  }

  test('lingerMs 0 (the default) is accepted', () => {
    expect(() => createPollingRelay({ ...base, lingerMs: 0 })).not.toThrow()
  })
})
