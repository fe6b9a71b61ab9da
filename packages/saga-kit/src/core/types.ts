import type { PoolClient } from 'pg'

/**
 * How a step relates to the saga's point of no return (Richardson, *Microservices Patterns* ch. 4):
 * `compensatable` steps can be undone, the `pivot` is the go/no-go step, and `retriable` steps
 * after it must eventually succeed.
 */
export type StepKind = 'compensatable' | 'pivot' | 'retriable'

/** Which way a step runs: forward, or undoing a completed forward run. */
export type Direction = 'invoke' | 'compensate'

/** Retry policy for one step direction: exponential backoff with full jitter. */
export interface RetryPolicy {
  /** Attempts in total, the first included. @default 1 (3 for compensations) */
  readonly maxAttempts?: number
  /** Delay before the second attempt. @default 100 */
  readonly initialDelayMs?: number
  /** Upper bound on one delay. @default 10000 */
  readonly maxDelayMs?: number
  /** Growth per attempt. @default 2 */
  readonly factor?: number
  /** Fraction of the delay that is randomised (0 = none, 1 = full jitter). @default 0.5 */
  readonly jitter?: number
}

/** A transaction on the saga's database; effects made through `client` commit with the checkpoint. */
export interface SagaTx {
  readonly client: PoolClient
  /** Runs `fn` once the transaction has committed (never if it rolls back). */
  afterCommit(fn: () => void): void
}

/** What a step function receives. */
export interface StepContext<Data> {
  readonly sagaId: string
  readonly sagaName: string
  readonly stepId: string
  readonly direction: Direction
  /** 1-based attempt number of this direction of this step. */
  readonly attempt: number
  /** `sagaId:stepId`: the same on every attempt, so a participant can deduplicate. */
  readonly idempotencyKey: string
  readonly data: Readonly<Data>
  /** Results of the forward steps that completed so far, by step id. */
  readonly results: Readonly<Record<string, unknown>>
}

/** Context of a local step: its writes through `tx` commit atomically with its checkpoint. */
export interface LocalStepContext<Data> extends StepContext<Data> {
  readonly tx: SagaTx
}

/** A step that runs in the orchestrator's process, inside the checkpoint transaction. */
export type LocalAction<Data> = (ctx: LocalStepContext<Data>) => unknown

/** A step that sends a command to a participant and awaits its reply. */
export interface CommandAction<Data> {
  readonly participant: string
  readonly command: string
  readonly payload: (ctx: StepContext<Data>) => unknown
}

/** Either a local function or a command to a participant. */
export type StepAction<Data> = LocalAction<Data> | CommandAction<Data>

/** Options of one step, as given to `.step(id, options)`. */
export interface StepOptions<Data> {
  readonly invoke: StepAction<Data>
  readonly compensate?: StepAction<Data>
  /** @default 'compensatable' */
  readonly kind?: StepKind
  /**
   * Deadline of one attempt. For a command: how long to wait for the reply, stored in the
   * database (@default 30000). For a local step: an in-process limit on its function, applied
   * only when given; past it the attempt fails, its writes are rolled back and its late result
   * is ignored.
   */
  readonly timeoutMs?: number
  readonly retry?: RetryPolicy
  readonly compensationRetry?: RetryPolicy
  /** Deadline of one compensation attempt (command or local, as for `timeoutMs`). @default timeoutMs */
  readonly compensationTimeoutMs?: number
}

/** A step with its id, as given to `parallel([...])`. */
export interface ParallelStepOptions<Data> extends StepOptions<Data> {
  readonly id: string
}

/** A step after definition-time defaults are applied. */
export interface StepDefinition<Data> {
  readonly id: string
  readonly kind: StepKind
  readonly invoke: StepAction<Data>
  readonly compensate: StepAction<Data> | undefined
  readonly timeoutMs: number
  readonly compensationTimeoutMs: number
  /** In-process limit of a local invoke attempt; null when `timeoutMs` was not given. */
  readonly localTimeoutMs: number | null
  /** In-process limit of a local compensation attempt; null when no timeout was given. */
  readonly localCompensationTimeoutMs: number | null
  readonly retry: Required<RetryPolicy>
  readonly compensationRetry: Required<RetryPolicy>
}

/** Steps that run together; a plain `.step()` is a group of one. */
export interface StepGroup<Data> {
  /** The member ids joined by `+`; the saga's cursor names it, so replay survives reordering. */
  readonly id: string
  readonly steps: readonly StepDefinition<Data>[]
  readonly parallel: boolean
}

/** True when an action is a command rather than a local function. */
export function isCommand<Data>(action: StepAction<Data>): action is CommandAction<Data> {
  return typeof action === 'object'
}

/** Builds a command action: `command('inventory', 'inventory.reserve', ({ data }) => ({ ... }))`. */
export function command<Data>(
  participant: string,
  type: string,
  payload: (ctx: StepContext<Data>) => unknown = () => ({}),
): CommandAction<Data> {
  return { participant, command: type, payload }
}
