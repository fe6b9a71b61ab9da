/**
 * The run history, Jepsen style: every client operation is an `invoke` followed by exactly one
 * completion (`ok`, `fail` or `info`) with the same `id` and `process`, and every fault is a
 * `fault` start and end, all on one monotonic clock. It is written as NDJSON (one event a line) to
 * `history.ndjson` in the run dir, and it is what the checkers read.
 *
 * Times are integer microseconds since the run started, from a monotonic clock, so that the order
 * of events on the same clock is the order they happened in.
 */

/**
 * The operations the built-in workloads perform. A user's scenario may add its own names.
 * Values per operation (what `invoke.value` and `ok.value` hold):
 * - `read-product`: invoke `{ token?: string }` (the read-your-writes token held, if any);
 *   ok `{ version: number | null, instance?: string }` (`null`: 404, absent or deleted).
 * - `read-products`: invoke `{ ids: string[] }`; ok `{ versions: Record<string, number | null> }`.
 * - `write-product`: invoke `{ price?: number, name?: string }`; ok `{ version: number, token: string }`.
 * - `delete-product`: ok `{ version: number, token: string }`.
 * - `place-order`: invoke `{ productId: string, qty: number, customer: string }`;
 *   ok `{ orderId: string, status: string }`.
 * - `get-order`: ok `{ status: string }`.
 * - `auth-probe`: invoke `{ case: string, expectStatus: number }`; ok/fail
 *   `{ status: number, wwwAuthenticate?: string | null }` (the response's `WWW-Authenticate`
 *   header, null when it had none; the auth checker needs it for every 401).
 * - `fuzz`: invoke `{ route: string }`; ok/fail `{ status: number }`.
 */
export type OperationName =
  | 'read-product'
  | 'read-products'
  | 'list-category'
  | 'write-product'
  | 'delete-product'
  | 'place-order'
  | 'get-order'
  | 'search'
  | 'auth-probe'
  | 'fuzz'
  | (string & {})

/** A client asked for an operation. */
export interface InvokeEvent {
  readonly type: 'invoke'
  /** Unique per operation within the run; its completion carries the same id. */
  readonly id: number
  /** The logical client that issued it (a process never has two operations open at once). */
  readonly process: number
  /** When the request actually went out, µs since run start. */
  readonly time: number
  /** For open-model load: when it was meant to go out (latency is measured from here). */
  readonly intendedTime?: number
  readonly op: OperationName
  /** The workload that issued it, as named in the scenario. */
  readonly workload: string
  /** The entity it acts on (a product id, an order id), when there is one. */
  readonly key?: string
  readonly value?: unknown
}

/**
 * How an operation ended: `ok` it took effect (as `value` shows), `fail` it certainly did not
 * (the server refused it), `info` unknown (a timeout, a connection reset mid-request).
 */
export interface CompletionEvent {
  readonly type: 'ok' | 'fail' | 'info'
  readonly id: number
  readonly process: number
  readonly time: number
  readonly op: OperationName
  readonly key?: string
  readonly value?: unknown
  /** The HTTP status, when there was a response. */
  readonly status?: number
  /** What went wrong, for `fail` and `info`. */
  readonly error?: string
}

/** A fault began or ended. `id` pairs a start with its end. */
export interface FaultEvent {
  readonly type: 'fault'
  readonly phase: 'start' | 'end'
  readonly id: number
  readonly time: number
  /**
   * The kind of fault, e.g. `kill`, `pause`, `restart`, `scale`, `latency`, `down`; `herd`
   * brackets a herd on a key made cold at its start (`detail.key`: the entity key), for the herd
   * checker.
   */
  readonly fault: string
  /** What it hits, e.g. `postgres`, `redis`, `kafka`, `catalog-query#1`, `link:catalog-query->redis`. */
  readonly target: string
  readonly detail?: Readonly<Record<string, unknown>>
}

/** A phase boundary of the run. */
export interface MarkEvent {
  readonly type: 'mark'
  readonly time: number
  readonly name: 'run-start' | 'load-start' | 'load-end' | 'quiesced' | 'run-end' | 'interrupted'
}

/** One line of `history.ndjson`. */
export type HistoryEvent = InvokeEvent | CompletionEvent | FaultEvent | MarkEvent
