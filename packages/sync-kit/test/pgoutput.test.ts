import { describe, expect, test } from 'vitest'
import { isSyncKitError } from '@faultline/sync-kit'
import { decodeFrame, decodePgOutput, encodeStatusUpdate } from '../src/relay/pgoutput.js'
import { TxAssembler } from '../src/relay/tx-assembler.js'

/** Builders for protocol bytes, written from the message-format tables in the Postgres docs. */
const u8 = (n: number) => Buffer.from([n])
const ch = (c: string) => Buffer.from(c, 'ascii')
const i16 = (n: number) => {
  const b = Buffer.alloc(2)
  b.writeInt16BE(n)
  return b
}
const i32 = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}
const u64 = (n: bigint) => {
  const b = Buffer.alloc(8)
  b.writeBigUInt64BE(n)
  return b
}
const str = (s: string) => Buffer.concat([Buffer.from(s), u8(0)])

const relation = (id: number, schema: string, name: string, cols: string[]) =>
  Buffer.concat([
    ch('R'),
    i32(id),
    str(schema),
    str(name),
    u8(100),
    i16(cols.length),
    ...cols.map((c) => Buffer.concat([u8(0), str(c), i32(25), i32(-1)])),
  ])
const begin = (final: bigint, xid: number) =>
  Buffer.concat([ch('B'), u64(final), u64(0n), i32(xid)])
const commit = (lsn: bigint, end: bigint) =>
  Buffer.concat([ch('C'), u8(0), u64(lsn), u64(end), u64(0n)])
const insert = (rel: number, vals: (string | null)[]) =>
  Buffer.concat([
    ch('I'),
    i32(rel),
    ch('N'),
    i16(vals.length),
    ...vals.map((v) =>
      v === null ? ch('n') : Buffer.concat([ch('t'), i32(Buffer.byteLength(v)), Buffer.from(v)]),
    ),
  ])
const message = (transactional: boolean, lsn: bigint) =>
  Buffer.concat([
    ch('M'),
    u8(transactional ? 1 : 0),
    u64(lsn),
    str('hb'),
    i32(2),
    Buffer.from('hi'),
  ])

describe('pgoutput decoding', () => {
  test('decodes begin, relation, insert, commit and message', () => {
    expect(decodePgOutput(begin(0x1_0000_0010n, 7))).toEqual({
      tag: 'begin',
      finalLsn: 0x1_0000_0010n,
      xid: 7,
    })
    expect(decodePgOutput(commit(10n, 20n))).toEqual({ tag: 'commit', commitLsn: 10n, endLsn: 20n })
    expect(decodePgOutput(relation(5, 'public', 'sync_outbox', ['id', 'type']))).toEqual({
      tag: 'relation',
      relation: {
        id: 5,
        schema: 'public',
        name: 'sync_outbox',
        columns: ['id', 'type'],
        typeOids: [25, 25],
      },
    })
    expect(decodePgOutput(insert(5, ['x', null]))).toEqual({
      tag: 'insert',
      relationId: 5,
      values: ['x', null],
    })
    const m = decodePgOutput(message(false, 99n))
    expect(m).toMatchObject({ tag: 'message', transactional: false, lsn: 99n, prefix: 'hb' })
    expect(decodePgOutput(ch('Y'))).toEqual({ tag: 'other', code: 'Y' })
  })

  test('truncated input is a clear E_SYNC_REPLICATION error, not a crash', () => {
    const bad = begin(1n, 1).subarray(0, 6)
    let err: unknown
    try {
      decodePgOutput(bad)
    } catch (e) {
      err = e
    }
    expect(isSyncKitError(err, 'E_SYNC_REPLICATION')).toBe(true)
    expect((err as Error).message).toMatch(/truncated/)
  })

  test('frames: XLogData and keepalive; status update carries the LSN three times', () => {
    const x = decodeFrame(Buffer.concat([ch('w'), u64(1n), u64(2n), u64(3n), Buffer.from('B')]))
    expect(x).toMatchObject({ kind: 'xlogdata', start: 1n, walEnd: 2n })
    expect(decodeFrame(Buffer.concat([ch('k'), u64(9n), u64(0n), u8(1)]))).toEqual({
      kind: 'keepalive',
      walEnd: 9n,
      replyRequested: true,
    })
    const s = encodeStatusUpdate(0x2_0000_0001n, Date.UTC(2000, 0, 1) + 1)
    expect(s.subarray(0, 1).toString()).toBe('r')
    expect([1, 9, 17].map((o) => s.readBigUInt64BE(o))).toEqual([
      0x2_0000_0001n,
      0x2_0000_0001n,
      0x2_0000_0001n,
    ])
    expect(s.readBigInt64BE(25)).toBe(1000n) // microseconds since 2000-01-01
    expect(() => decodeFrame(ch('z'))).toThrow(/unknown replication frame/)
  })
})

describe('TxAssembler', () => {
  test('releases outbox rows only at commit, ignores other tables, turns heartbeats into empty transactions', () => {
    const a = new TxAssembler('public', 'sync_outbox')
    const feed = (b: Buffer) => a.push(decodePgOutput(b))
    feed(relation(1, 'public', 'sync_outbox', ['id', 'aggregateid']))
    feed(relation(2, 'public', 'other', ['id']))
    expect(feed(begin(50n, 1))).toBeUndefined()
    expect(a.inTransaction).toBe(true)
    expect(feed(insert(1, ['e1', 'a']))).toBeUndefined()
    expect(feed(insert(2, ['zzz']))).toBeUndefined()
    expect(feed(message(true, 40n))).toBeUndefined()
    expect(feed(commit(50n, 60n))).toEqual({
      endLsn: 60n,
      rows: [{ id: 'e1', aggregateid: 'a' }],
      typesChecked: false,
    })
    expect(a.inTransaction).toBe(false)
    expect(feed(message(false, 70n))).toEqual({ endLsn: 70n, rows: [], typesChecked: true })
  })
})
