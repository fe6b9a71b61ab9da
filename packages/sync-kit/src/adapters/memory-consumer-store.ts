import type { JsonValue } from '../envelope.js'
import { SyncKitError } from '../errors.js'
import type {
  AggregateRef,
  ParkedEvent,
  ProjectionStore,
  TransactionOptions,
} from '../consumer/ports.js'
import { Mutex, RwLock } from './locks.js'

type Section = Map<string, unknown>

const aggKey = (a: AggregateRef): string => JSON.stringify([a.aggregateType, a.aggregateId])
const slotKey = (a: AggregateRef, sequence: number): string => `${aggKey(a)}#${sequence}`

/**
 * A transaction on a {@link MemoryConsumerStore}. Handlers keep their read model in named tables
 * (`table(name)` is a `Map` of JSON values); every change is made on a private copy that replaces
 * the committed one only when the transaction commits.
 */
export class MemoryTx {
  readonly #committed: Map<string, Section>
  readonly drafts = new Map<string, Section | null>()

  constructor(committed: Map<string, Section>) {
    this.#committed = committed
  }

  /** The named table of the read model, created empty on first use. */
  table(name: string): Map<string, JsonValue> {
    return this.section(`t:${name}`) as Map<string, JsonValue>
  }

  /** @internal A copy-on-write section of the store's state. */
  section(key: string): Section {
    const draft = this.drafts.get(key)
    if (draft) return draft
    const copy = structuredClone(this.#committed.get(key) ?? new Map<string, unknown>())
    this.drafts.set(key, copy)
    return copy
  }

  /** @internal Marks a section deleted at commit. */
  drop(key: string): void {
    this.drafts.set(key, null)
  }
}

/**
 * The in-memory {@link ProjectionStore}: transactions run one at a time and commit atomically,
 * which is what the Postgres store guarantees per aggregate. For unit tests and the `embedded`
 * provider; nothing survives the process.
 */
export class MemoryConsumerStore implements ProjectionStore<MemoryTx> {
  readonly #state = new Map<string, Section>()
  readonly #mutex = new Mutex()
  readonly #locks = new Map<string, RwLock>()
  readonly #now: () => number

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now
  }

  transaction<T>(fn: (tx: MemoryTx) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const run = () => this.#mutex.run(() => this.#runTx(fn))
    return options.sharedLock === undefined ? run() : this.#lock(options.sharedLock).withShared(run)
  }

  async #runTx<T>(fn: (tx: MemoryTx) => Promise<T>): Promise<T> {
    const tx = new MemoryTx(this.#state)
    const result = await fn(tx)
    for (const [key, section] of tx.drafts) {
      if (section === null) this.#state.delete(key)
      else this.#state.set(key, section)
    }
    return result
  }

  /** Reads committed state outside any transaction (a snapshot copy). */
  read<T>(fn: (tx: MemoryTx) => T): T {
    return fn(new MemoryTx(this.#state))
  }

  claim(tx: MemoryTx, namespace: string, eventId: string): Promise<boolean> {
    const inbox = tx.section(`i:${namespace}`)
    if (inbox.has(eventId)) return Promise.resolve(false)
    inbox.set(eventId, this.#now())
    return Promise.resolve(true)
  }

  lastSequence(tx: MemoryTx, namespace: string, aggregate: AggregateRef): Promise<number> {
    const value = tx.section(`s:${namespace}`).get(aggKey(aggregate))
    return Promise.resolve(typeof value === 'number' ? value : 0)
  }

  setSequence(
    tx: MemoryTx,
    ns: string,
    aggregate: AggregateRef,
    sequence: number,
  ): Promise<boolean> {
    tx.section(`s:${ns}`).set(aggKey(aggregate), sequence)
    const prefix = `${aggKey(aggregate)}#`
    return Promise.resolve([...tx.section(`p:${ns}`).keys()].some((k) => k.startsWith(prefix)))
  }

  park(tx: MemoryTx, namespace: string, parked: ParkedEvent): Promise<boolean> {
    const slots = tx.section(`p:${namespace}`)
    const key = slotKey(parked.event, parked.event.sequence)
    if (slots.has(key)) return Promise.resolve(false)
    slots.set(key, parked)
    return Promise.resolve(true)
  }

  takeParked(
    tx: MemoryTx,
    namespace: string,
    aggregate: AggregateRef,
    sequence: number,
  ): Promise<ParkedEvent | undefined> {
    const slots = tx.section(`p:${namespace}`)
    const key = slotKey(aggregate, sequence)
    const parked = slots.get(key) as ParkedEvent | undefined
    slots.delete(key)
    return Promise.resolve(parked)
  }

  listParked(namespace: string): Promise<ParkedEvent[]> {
    const slots = this.#state.get(`p:${namespace}`) ?? new Map<string, unknown>()
    const all = [...slots.values()] as ParkedEvent[]
    return Promise.resolve(all.sort((a, b) => a.parkedAt - b.parkedAt))
  }

  isUnavailable(err: unknown): boolean {
    return err instanceof SyncKitError && err.code === 'E_SYNC_DATABASE' && err.retryable
  }

  exclusive<T>(lock: string, fn: () => Promise<T>): Promise<T> {
    return this.#lock(lock).withExclusive(fn)
  }

  swapTables(tx: MemoryTx, live: string, fresh: string): Promise<void> {
    tx.drafts.set(`t:${live}`, tx.section(`t:${fresh}`))
    tx.drop(`t:${fresh}`)
    return Promise.resolve()
  }

  dropTable(tx: MemoryTx, table: string): Promise<void> {
    tx.drop(`t:${table}`)
    return Promise.resolve()
  }

  moveNamespace(tx: MemoryTx, from: string, to: string): Promise<void> {
    for (const kind of ['i', 's', 'p']) {
      tx.drafts.set(`${kind}:${to}`, tx.section(`${kind}:${from}`))
      tx.drop(`${kind}:${from}`)
    }
    return Promise.resolve()
  }

  #lock(name: string): RwLock {
    const lock = this.#locks.get(name) ?? new RwLock()
    this.#locks.set(name, lock)
    return lock
  }
}

/** Creates an in-memory consumer and projection store. */
export function createMemoryConsumerStore(
  options: { now?: () => number } = {},
): MemoryConsumerStore {
  return new MemoryConsumerStore(options)
}
