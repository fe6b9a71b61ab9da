import type { Pool, PoolClient } from 'pg'
import type { SagaTx } from '../core/types.js'
import { SagaKitError, type SagaKitErrorContext } from '../errors.js'

type QueryArgs = Parameters<PoolClient['query']>

/**
 * The transaction a local step sees. Its after-commit hooks are kept until the step succeeds (a
 * failed or timed-out attempt registers nothing). With a deadline, `fence()` also shuts its
 * client: a step that carries on after its deadline can neither write into the saga's
 * transaction, which goes on to record the timeout and commit, nor leave a statement on the
 * pooled connection for its next user.
 */
export class StepTx {
  readonly tx: SagaTx
  readonly #hooks: (() => void)[] = []
  #fenced = false
  #inFlight = 0
  #drained: (() => void)[] = []

  readonly #client: PoolClient
  readonly #context: SagaKitErrorContext
  constructor(client: PoolClient, guarded: boolean, context: SagaKitErrorContext) {
    this.#client = client
    this.#context = context

    this.tx = {
      client: guarded ? this.#guard(client) : client,
      afterCommit: (fn) => void (this.#fenced || this.#hooks.push(fn)),
    }
  }

  /**
   * Ends the attempt: a successful step's after-commit hooks go to the saga transaction (`tx`),
   * a failed one's (`null`) are dropped; either way the step's client is shut from now on.
   */
  close(tx: SagaTx | null): void {
    for (const fn of this.#hooks.splice(0)) tx?.afterCommit(fn)
    this.#fenced = true
  }

  /**
   * Shuts the step out: later statements are refused, and a statement still running is
   * cancelled so the savepoint can be rolled back now rather than when it ends. Resolves once
   * no statement of the step is left on the connection.
   */
  async fence(db: Pool): Promise<void> {
    this.#fenced = true
    this.#hooks.length = 0
    if (this.#inFlight === 0) return
    const pid = (this.#client as unknown as { processID?: number | null }).processID
    if (typeof pid === 'number') await db.query('SELECT pg_cancel_backend($1)', [pid])
    await new Promise<void>((resolve) =>
      this.#inFlight === 0 ? resolve() : this.#drained.push(resolve),
    )
  }

  #refusal(): SagaKitError {
    return new SagaKitError(
      'E_SAGA_STEP_TIMEOUT',
      'The local step ran past its timeoutMs; its transaction is closed to it.',
      { context: this.#context },
    )
  }

  #settled = (): void => {
    if (--this.#inFlight === 0) for (const resolve of this.#drained.splice(0)) resolve()
  }

  #guard(client: PoolClient): PoolClient {
    const query = (...args: QueryArgs): unknown => {
      if (this.#fenced) {
        const callback = args.at(-1)
        if (typeof callback !== 'function') return Promise.reject(this.#refusal())
        queueMicrotask(() => (callback as (error: Error) => void)(this.#refusal()))
        return undefined
      }
      const result = (client.query as (...args: QueryArgs) => unknown).apply(client, args)
      if (result instanceof Promise) {
        this.#inFlight++
        result.then(this.#settled, this.#settled)
      }
      return result
    }
    return new Proxy(client, {
      get: (target, prop) => {
        if (prop === 'query') return query
        const value = Reflect.get(target, prop, target) as unknown
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value
      },
    })
  }
}

/**
 * Settles with `run`'s outcome, or with `'timeout'` after `ms`. The timer is in-process: a local
 * step runs while this process holds the saga's row lock, so there is no one else to fire it.
 */
export function withinMs<T>(run: Promise<T>, ms: number): Promise<{ value: T } | 'timeout'> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms)
  })
  return Promise.race([run.then((value) => ({ value })), timeout]).finally(() =>
    clearTimeout(timer),
  )
}
