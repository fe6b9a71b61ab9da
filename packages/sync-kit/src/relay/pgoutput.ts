import { SyncKitError } from '../errors.js'

/**
 * Decoder for the pgoutput logical replication protocol, version 1 (the message formats in the
 * Postgres docs, "Logical Replication Message Formats"). Only what an outbox relay needs is
 * decoded in full; other messages are recognised and skipped.
 */
export type PgOutputMessage =
  | { readonly tag: 'begin'; readonly finalLsn: bigint; readonly xid: number }
  | { readonly tag: 'commit'; readonly commitLsn: bigint; readonly endLsn: bigint }
  | { readonly tag: 'relation'; readonly relation: Relation }
  | { readonly tag: 'insert'; readonly relationId: number; readonly values: TupleValues }
  | {
      readonly tag: 'message'
      readonly transactional: boolean
      readonly lsn: bigint
      readonly prefix: string
      readonly content: Buffer
    }
  | { readonly tag: 'other'; readonly code: string }

/** A table as described by a Relation message. */
export interface Relation {
  readonly id: number
  readonly schema: string
  readonly name: string
  readonly columns: readonly string[]
  /** Type OID of each column, in `columns` order. */
  readonly typeOids: readonly number[]
}

/** Column values of a row in text form (null for SQL NULL, undefined for unchanged TOAST). */
export type TupleValues = readonly (string | null | undefined)[]

/** A cursor over a Buffer, reading big-endian protocol fields. */
class Reader {
  #pos = 0
  readonly #buf: Buffer

  constructor(buf: Buffer) {
    this.#buf = buf
  }

  #need(n: number): void {
    if (this.#pos + n > this.#buf.length) {
      throw new SyncKitError('E_SYNC_REPLICATION', 'pgoutput message is truncated')
    }
  }
  u8(): number {
    this.#need(1)
    return this.#buf.readUInt8(this.#pos++)
  }
  i16(): number {
    this.#need(2)
    const v = this.#buf.readInt16BE(this.#pos)
    this.#pos += 2
    return v
  }
  i32(): number {
    this.#need(4)
    const v = this.#buf.readInt32BE(this.#pos)
    this.#pos += 4
    return v
  }
  u64(): bigint {
    this.#need(8)
    const v = this.#buf.readBigUInt64BE(this.#pos)
    this.#pos += 8
    return v
  }
  /** Steps over `n` bytes the relay does not use (a BigInt read costs an allocation). */
  skip(n: number): void {
    this.#need(n)
    this.#pos += n
  }
  cstring(): string {
    const end = this.#buf.indexOf(0, this.#pos)
    if (end < 0) throw new SyncKitError('E_SYNC_REPLICATION', 'pgoutput string is unterminated')
    const s = this.#buf.toString('utf8', this.#pos, end)
    this.#pos = end + 1
    return s
  }
  /** `n` bytes as UTF-8 text, read in place (no intermediate Buffer view per value). */
  text(n: number): string {
    this.#need(n)
    const s = this.#buf.toString('utf8', this.#pos, this.#pos + n)
    this.#pos += n
    return s
  }
  bytes(n: number): Buffer {
    this.#need(n)
    const b = this.#buf.subarray(this.#pos, this.#pos + n)
    this.#pos += n
    return b
  }
}

function readRelation(r: Reader): Relation {
  const id = r.i32()
  const schema = r.cstring()
  const name = r.cstring()
  r.u8() // replica identity setting
  const count = r.i16()
  const columns: string[] = []
  const typeOids: number[] = []
  for (let i = 0; i < count; i++) {
    r.u8() // flags (part of key)
    columns.push(r.cstring())
    typeOids.push(r.i32() >>> 0)
    r.i32() // type modifier
  }
  return { id, schema, name, columns, typeOids }
}

const KIND_TEXT = 't'.charCodeAt(0)
const KIND_NULL = 'n'.charCodeAt(0)
const KIND_UNCHANGED = 'u'.charCodeAt(0)

function readTuple(r: Reader): TupleValues {
  const count = r.i16()
  const values = new Array<string | null | undefined>(count)
  for (let i = 0; i < count; i++) {
    const kind = r.u8()
    if (kind === KIND_TEXT) values[i] = r.text(r.i32())
    else if (kind === KIND_NULL) values[i] = null
    else if (kind === KIND_UNCHANGED) values[i] = undefined
    else {
      const shown = String.fromCharCode(kind)
      throw new SyncKitError('E_SYNC_REPLICATION', `unknown tuple column kind "${shown}"`)
    }
  }
  return values
}

function readMessage(r: Reader): PgOutputMessage {
  const transactional = (r.u8() & 1) === 1
  const lsn = r.u64()
  const prefix = r.cstring()
  const content = r.bytes(r.i32())
  return { tag: 'message', transactional, lsn, prefix, content }
}

/** Decodes one pgoutput message (the payload of an XLogData frame). */
export function decodePgOutput(buf: Buffer): PgOutputMessage {
  const r = new Reader(buf)
  const code = String.fromCharCode(r.u8())
  switch (code) {
    case 'B': {
      const finalLsn = r.u64()
      r.skip(8) // commit timestamp
      return { tag: 'begin', finalLsn, xid: r.i32() }
    }
    case 'C': {
      r.u8() // flags
      const commitLsn = r.u64()
      return { tag: 'commit', commitLsn, endLsn: r.u64() }
    }
    case 'R':
      return { tag: 'relation', relation: readRelation(r) }
    case 'I': {
      const relationId = r.i32()
      const marker = String.fromCharCode(r.u8())
      if (marker !== 'N') throw new SyncKitError('E_SYNC_REPLICATION', 'insert without new tuple')
      return { tag: 'insert', relationId, values: readTuple(r) }
    }
    case 'M':
      return readMessage(r)
    default:
      return { tag: 'other', code }
  }
}

/** A frame of the replication CopyBoth stream. */
export type ReplicationFrame =
  | {
      readonly kind: 'xlogdata'
      readonly start: bigint
      readonly walEnd: bigint
      readonly data: Buffer
    }
  | { readonly kind: 'keepalive'; readonly walEnd: bigint; readonly replyRequested: boolean }

/** Decodes a CopyData payload from the walsender: XLogData (`w`) or primary keepalive (`k`). */
export function decodeFrame(buf: Buffer): ReplicationFrame {
  const r = new Reader(buf)
  const code = String.fromCharCode(r.u8())
  if (code === 'w') {
    const start = r.u64()
    const walEnd = r.u64()
    r.skip(8) // send time
    return { kind: 'xlogdata', start, walEnd, data: buf.subarray(25) }
  }
  if (code === 'k') {
    const walEnd = r.u64()
    r.skip(8) // send time
    return { kind: 'keepalive', walEnd, replyRequested: r.u8() === 1 }
  }
  throw new SyncKitError('E_SYNC_REPLICATION', `unknown replication frame "${code}"`)
}

/** Microseconds between the Unix epoch and the Postgres epoch (2000-01-01). */
const PG_EPOCH_US = 946_684_800_000_000n

/**
 * A standby status update (`r`): written, flushed and applied LSN all set to `lsn`, because the
 * relay only ever reports what is durably published.
 */
export function encodeStatusUpdate(lsn: bigint, nowMs: number, replyRequested = false): Buffer {
  const buf = Buffer.alloc(34)
  buf.write('r', 0)
  buf.writeBigUInt64BE(lsn, 1)
  buf.writeBigUInt64BE(lsn, 9)
  buf.writeBigUInt64BE(lsn, 17)
  buf.writeBigInt64BE(BigInt(Math.floor(nowMs)) * 1000n - PG_EPOCH_US, 25)
  buf.writeUInt8(replyRequested ? 1 : 0, 33)
  return buf
}
