import type { HistoryEvent } from '../history/events.js'
import type { CheckerPass } from './checker.js'
import { Findings } from './findings.js'
import { field, type Operation, OperationPairer } from './operations.js'
import { COMMON_SPECS, defineChecker, type CommonOptions } from './options.js'
import { checkMonotonic, describeStale } from './staleness-report.js'
import type { CheckResult } from './verdict.js'
import {
  type AckedWrite,
  KeyIndex,
  type KeyRead,
  type PossibleDelete,
  readExplained,
} from './staleness-key.js'

/** Options of the {@link staleness} checker. */
export interface StalenessOptions extends CommonOptions {
  /**
   * A read without a token may still return a version older than one acknowledged at most this
   * long before the read began (the invalidation is on its way); older acknowledgements bind.
   * @default 1000
   */
  readonly windowMs: number
  /** Also require each process's successive reads of a key never to go backwards. @default false */
  readonly monotonicReads: boolean
  /**
   * A read holding a token gets zero window for every write acknowledged before it began, not
   * only for the write its token came from (use when the token is a commit LSN that the read
   * path honours for every key).
   * @default false
   */
  readonly tokenCoversAllWrites: boolean
}

const READS = new Set(['read-product', 'read-products'])
const WRITES = new Set(['write-product', 'delete-product'])

/** A read as recorded, before its token is resolved. */
interface RawRead extends Omit<KeyRead, 'token'> {
  readonly token?: string
}

interface KeyData {
  readonly acked: AckedWrite[]
  readonly deletes: PossibleDelete[]
  readonly reads: RawRead[]
}

/** Everything the staleness pass keeps: per key, compact records of writes and reads. */
class StalenessPass implements CheckerPass {
  private readonly keys = new Map<string, KeyData>()
  private readonly tokens = new Map<string, { key: string; write: AckedWrite }>()
  private readonly findings: Findings
  private readonly pairer = new OperationPairer(
    (op) => this.operation(op),
    (name) => READS.has(name) || WRITES.has(name),
  )

  constructor(private readonly options: StalenessOptions) {
    this.findings = new Findings('staleness', staleness.guarantees, options.maxCounterexamples)
  }

  observe(event: HistoryEvent): void {
    this.pairer.observe(event)
  }

  private data(key: string): KeyData {
    let data = this.keys.get(key)
    if (data === undefined) {
      data = { acked: [], deletes: [], reads: [] }
      this.keys.set(key, data)
    }
    return data
  }

  private operation(op: Operation): void {
    if (WRITES.has(op.op)) this.write(op)
    else if (op.type === 'ok') this.read(op)
  }

  private write(op: Operation): void {
    if (op.type === 'fail') return
    if (op.key === undefined) return this.findings.count('writesWithoutKey')
    const isDelete = op.op === 'delete-product'
    const data = this.data(op.key)
    if (op.type === 'info') {
      this.findings.count('writesUnknown')
      if (isDelete) data.deletes.push({ invokeTime: op.invokeTime, version: Infinity })
      return
    }
    const version = field(op.output, 'version')
    if (typeof version !== 'number') return this.findings.count('writesWithoutVersion')
    const write: AckedWrite = { id: op.id, ackTime: op.completeTime, version, isDelete }
    data.acked.push(write)
    if (isDelete) data.deletes.push({ invokeTime: op.invokeTime, version })
    const token = field(op.output, 'token')
    if (typeof token === 'string') this.tokens.set(token, { key: op.key, write })
    this.findings.count('writesAcked')
  }

  private read(op: Operation): void {
    const token = field(op.input, 'token')
    const base = {
      id: op.id,
      process: op.process,
      invokeTime: op.invokeTime,
      completeTime: op.completeTime,
    }
    const withToken = typeof token === 'string' ? { ...base, token } : base
    if (op.op === 'read-product')
      return this.readOne(op.key, field(op.output, 'version'), withToken)
    const versions = field(op.output, 'versions')
    if (typeof versions !== 'object' || versions === null)
      return this.findings.count('readsUnreadable')
    for (const [key, version] of Object.entries(versions)) this.readOne(key, version, withToken)
  }

  private readOne(key: string | undefined, version: unknown, read: Omit<RawRead, 'version'>): void {
    if (key === undefined || (version !== null && typeof version !== 'number')) {
      return this.findings.count('readsUnreadable')
    }
    this.data(key).reads.push({ ...read, version })
  }

  finish(): CheckResult {
    this.pairer.finish()
    for (const [key, data] of this.keys) this.checkKey(key, data)
    this.undecidedReasons()
    const { reads = 0, writesAcked = 0 } = this.findings.stats
    return this.findings.result(
      `${reads} reads of ${this.keys.size} keys against ${writesAcked} acknowledged writes (window ${this.options.windowMs} ms)`,
    )
  }

  private checkKey(key: string, data: KeyData): void {
    const index = new KeyIndex(data.acked, data.deletes)
    const reads = data.reads.map((raw) => this.resolveToken(key, raw))
    for (const read of reads) this.checkRead(key, index, read)
    if (this.options.monotonicReads) checkMonotonic(key, index, reads, this.findings)
  }

  private resolveToken(key: string, raw: RawRead): KeyRead {
    const { token, ...read } = raw
    if (token === undefined) return read
    this.findings.count('tokenReads')
    const held = this.tokens.get(token)
    if (held === undefined) this.findings.count('tokensUnresolved')
    else if (held.key !== key) this.findings.count('tokensForOtherKeys')
    else return { ...read, token: held.write }
    return read
  }

  private checkRead(key: string, index: KeyIndex, read: KeyRead): void {
    this.findings.count('reads')
    const windowUs = this.options.windowMs * 1000
    const tokenRead = read.token !== undefined && this.options.tokenCoversAllWrites
    const required = newer(
      index.newestAckedBefore(read.invokeTime - (tokenRead ? 0 : windowUs)),
      read.token,
    )
    if (!readExplained(index, read, required)) {
      const viaToken = required === read.token
      this.findings.violation(
        viaToken ? 'staleWithToken' : 'stale',
        describeStale(key, read, required!, viaToken, this.options.windowMs),
      )
    } else if (!readExplained(index, read, index.newestAckedBefore(read.invokeTime))) {
      this.findings.count('olderWithinWindow')
    }
  }

  private undecidedReasons(): void {
    const { reads = 0, writesAcked = 0, tokensUnresolved = 0 } = this.findings.stats
    const {
      readsUnreadable = 0,
      writesWithoutVersion = 0,
      writesWithoutKey = 0,
    } = this.findings.stats
    const unreadable = readsUnreadable + writesWithoutVersion + writesWithoutKey
    const reasons = [
      this.pairer.problem(),
      reads === 0 ? 'no successful product reads in the history' : undefined,
      writesAcked === 0
        ? 'no acknowledged writes: nothing a read could be stale against'
        : undefined,
      tokensUnresolved > 0
        ? `${tokensUnresolved} read(s) held a token no acknowledged write returned`
        : undefined,
      unreadable > 0
        ? `${unreadable} read(s) or write(s) lack a key or a numeric version`
        : undefined,
    ]
    for (const reason of reasons) if (reason !== undefined) this.findings.undecided(reason)
  }
}

function newer(a: AckedWrite | undefined, b: AckedWrite | undefined): AckedWrite | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  return b.version > a.version ? b : a
}

/**
 * **staleness** (C1, C2, C3): per product, no successful read returns a version older than one
 * whose write (or delete) was acknowledged before the read began.
 *
 * - A read without a token is bound by writes acknowledged more than `windowMs` before it began
 *   (C2's documented window; reads inside the window are counted as `olderWithinWindow`, not
 *   failed). A read holding a token is bound, with zero window, by the write its token came from
 *   (C3; the token is matched to the `write-product`/`delete-product` whose `ok` returned it).
 * - Deletes carry a version too. A read that returns a version older than an acknowledged
 *   delete is stale (the deleted product came back); a read that returns not-found (`null`) is
 *   stale when the newest binding version is a write and no delete of a newer or unknown version
 *   began before the read returned.
 * - A write whose outcome is unknown (`info`, or never completed) binds nothing, but a read may
 *   see it; an `info` delete may explain a not-found.
 * - `monotonicReads`: one process's successive reads of a key never go backwards (C1's "a
 *   cached version never goes backwards" as a client sees it).
 *
 * `unknown` when there are no successful reads or no acknowledged writes, when a token cannot
 * be matched to a write, or when the history is malformed. Cost: O(n log n) in the history's
 * size; memory per read and per write, not per event.
 */
export const staleness = defineChecker<StalenessOptions>({
  name: 'staleness',
  guarantees: ['C1', 'C2', 'C3'],
  description:
    'no read returns a version older than one acknowledged before it began (window W without a token, zero with one)',
  defaults: {
    maxCounterexamples: 20,
    windowMs: 1000,
    monotonicReads: false,
    tokenCoversAllWrites: false,
  },
  specs: {
    ...COMMON_SPECS,
    windowMs: { kind: 'number', min: 0, unit: 'milliseconds' },
    monotonicReads: { kind: 'boolean' },
    tokenCoversAllWrites: { kind: 'boolean' },
  },
  begin: (options) => new StalenessPass(options),
})
