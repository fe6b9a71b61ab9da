import { SagaKitError } from '../errors.js'
import { DEFAULT_COMPENSATION_RETRY, DEFAULT_RETRY } from './backoff.js'
import type {
  ParallelStepOptions,
  StepDefinition,
  StepGroup,
  StepKind,
  StepOptions,
} from './types.js'
import { validateGroup } from './validate-definition.js'

/** What to do when a saga starts on an entity another running saga has locked. */
export type LockConflictPolicy = 'fail' | 'stash'

/** A semantic lock held for the saga's whole life (Eventuate-style lock and stash). */
export interface SagaLockOptions<Data> {
  /** The entity to lock, e.g. `order:${data.orderId}`. */
  readonly key: (data: Data) => string
  /** `fail`: `start()` throws `E_SAGA_LOCKED`; `stash`: it waits and runs once the lock frees. */
  readonly onConflict: LockConflictPolicy
}

/** Saga-wide options, the second argument of {@link defineSaga}. */
export interface SagaOptions<Data> {
  /** Checks start data: return `true`, or a sentence naming the problem. */
  readonly validate?: (data: unknown) => true | string
  /** Deadline of the whole saga; past it, a saga that has not passed its pivot compensates. */
  readonly timeoutMs?: number
  readonly lock?: SagaLockOptions<Data>
}

const DEFAULT_TIMEOUT_MS = 30_000

function resolveStep<Data>(id: string, options: StepOptions<Data>): StepDefinition<Data> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  return {
    id,
    kind: options.kind ?? 'compensatable',
    invoke: options.invoke,
    compensate: options.compensate,
    timeoutMs,
    compensationTimeoutMs: options.compensationTimeoutMs ?? timeoutMs,
    // Local steps are only limited when asked: an unasked limit would fail long-running steps.
    localTimeoutMs: options.timeoutMs ?? null,
    localCompensationTimeoutMs: options.compensationTimeoutMs ?? options.timeoutMs ?? null,
    retry: { ...DEFAULT_RETRY, ...options.retry },
    compensationRetry: { ...DEFAULT_COMPENSATION_RETRY, ...options.compensationRetry },
  }
}

/**
 * An immutable, validated saga definition. Every `.step()` and `.parallel()` returns a new
 * definition and throws `E_SAGA_INVALID_DEFINITION` at once when the result would be unsound.
 */
export class SagaDefinition<Data> {
  constructor(
    readonly name: string,
    readonly groups: readonly StepGroup<Data>[],
    readonly options: SagaOptions<Data>,
  ) {}

  /** Appends one step. */
  step(id: string, options: StepOptions<Data>): SagaDefinition<Data> {
    return this.#append({ id, steps: [resolveStep(id, options)], parallel: false })
  }

  /** Appends steps that run at the same time; each has an explicit id so replay is stable. */
  parallel(steps: readonly ParallelStepOptions<Data>[]): SagaDefinition<Data> {
    const resolved = steps.map((step) => resolveStep(step.id, step))
    return this.#append({
      id: resolved.map((step) => step.id).join('+'),
      steps: resolved,
      parallel: true,
    })
  }

  /** Every step, in definition order. */
  get steps(): readonly StepDefinition<Data>[] {
    return this.groups.flatMap((group) => group.steps)
  }

  /** The step with this id, if any. */
  findStep(id: string): StepDefinition<Data> | undefined {
    return this.steps.find((step) => step.id === id)
  }

  /** Index of the group with this id, or -1. */
  groupIndex(id: string): number {
    return this.groups.findIndex((group) => group.id === id)
  }

  /** The kinds of the steps, in order; handy in tests and docs. */
  get kinds(): readonly StepKind[] {
    return this.steps.map((step) => step.kind)
  }

  #append(group: StepGroup<Data>): SagaDefinition<Data> {
    validateGroup(this.name, this.groups, group)
    return new SagaDefinition(this.name, [...this.groups, group], this.options)
  }
}

/** Starts a saga definition: `defineSaga<Order>('order').step('reserve-stock', {...})`. */
export function defineSaga<Data>(
  name: string,
  options: SagaOptions<Data> = {},
): SagaDefinition<Data> {
  if (typeof name !== 'string' || !/^[a-z][a-z0-9._-]*$/i.test(name)) {
    throw new SagaKitError(
      'E_SAGA_INVALID_DEFINITION',
      `Saga name ${JSON.stringify(name)} must start with a letter and use only letters, digits, ".", "_" or "-".`,
      { context: { sagaName: String(name) } },
    )
  }
  if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) {
    throw new SagaKitError('E_SAGA_INVALID_DEFINITION', `Saga "${name}" timeoutMs must be > 0.`, {
      context: { sagaName: name },
    })
  }
  return new SagaDefinition<Data>(name, [], options)
}
