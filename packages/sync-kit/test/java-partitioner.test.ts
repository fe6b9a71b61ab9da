import fc from 'fast-check'
import { Partitioners, type PartitionerArgs, type PartitionMetadata } from 'kafkajs'
import { describe, expect, test } from 'vitest'
import {
  JavaCompatiblePartitioner,
  murmur2,
  murmur2OfString,
} from '../src/adapters/java-partitioner.js'

const partitions = (n: number, leader = 0): PartitionMetadata[] =>
  Array.from({ length: n }, (_, i) => ({
    partitionErrorCode: 0,
    partitionId: i,
    leader,
    replicas: [0],
    isr: [0],
  }))

const args = (key: string | Buffer | null, n: number, partition?: number): PartitionerArgs => ({
  topic: 't',
  partitionMetadata: partitions(n),
  message: { key, value: 'v', ...(partition === undefined ? {} : { partition }) },
})

describe('murmur2', () => {
  // The values the Java client's own unit test (UtilsTest.testMurmur2) expects.
  test.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('murmur2(%j) = %i, as the Java client computes it', (key, expected) => {
    expect(murmur2OfString(key)).toBe(expected)
    expect(murmur2(Buffer.from(key))).toBe(expected)
  })

  test('a string hashes as its UTF-8 bytes, ASCII or not, short or long', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 600 }), (key) => {
        expect(murmur2OfString(key)).toBe(murmur2(Buffer.from(key)))
      }),
    )
  })
})

describe('JavaCompatiblePartitioner', () => {
  test('puts every key in the partition kafkajs’s default partitioner picks', () => {
    const ours = JavaCompatiblePartitioner()
    const theirs = Partitioners.DefaultPartitioner()
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 80 }),
          fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b)),
        ),
        fc.integer({ min: 1, max: 64 }),
        (key, n) => {
          expect(ours(args(key, n))).toBe(theirs(args(key, n)))
        },
      ),
      { numRuns: 2000 },
    )
  })

  test('keeps an explicit partition', () => {
    expect(JavaCompatiblePartitioner()(args('k', 12, 7))).toBe(7)
  })

  test('spreads unkeyed messages over the partitions that have a leader', () => {
    const p = JavaCompatiblePartitioner()
    const seen = new Set(Array.from({ length: 30 }, () => p(args(null, 3))))
    expect([...seen].sort()).toEqual([0, 1, 2])
  })
})
