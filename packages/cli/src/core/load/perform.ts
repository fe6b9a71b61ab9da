import type { ResolvedOperation } from '@faultline/scenarios'
import type { OperationName } from '../../history/events.js'
import { describeError } from '../errors.js'
import type { Invocation, OperationOutcome } from '../target.js'
import { LATE_AFTER_US, type LoadContext } from './load-context.js'
import type { WorkloadStats } from './workload-stats.js'

/** One operation to send. */
export interface Send {
  readonly operation: ResolvedOperation
  readonly invocation: Invocation
  /** The workload's random stream, for user operations. */
  readonly random: () => number
  /** When it was meant to go out (run clock, µs); latency counts from here. */
  readonly intendedUs: number
  readonly process: number
  readonly timeoutMs: number
}

/**
 * Sends one operation and records it: the invoke when it actually goes out, then exactly one
 * completion. A timeout, an interrupt or a throw ends it as `info` (outcome unknown). Latency is
 * measured from the intended time, so a send held back by a full pool shows its wait.
 */
export async function performSend(
  context: LoadContext,
  stats: WorkloadStats,
  send: Send,
): Promise<OperationOutcome> {
  const { recorder, clock, metrics } = context
  const op: OperationName = send.operation.op
  const id = recorder.nextId()
  const sendUs = clock.nowUs()
  const delayUs = Math.max(0, sendUs - send.intendedUs)
  metrics.add('send_delay', delayUs, { workload: stats.name })
  if (delayUs > LATE_AFTER_US) {
    stats.late++
    metrics.add('late_sends', 1, { workload: stats.name })
  }
  stats.sent++
  stats.inFlight++
  recorder.record({
    type: 'invoke',
    id,
    process: send.process,
    time: sendUs,
    intendedTime: send.intendedUs,
    op,
    workload: stats.name,
    ...send.invocation,
  })
  const outcome = await withTimeout(context, send)
  const endUs = clock.nowUs()
  stats.inFlight--
  recorder.record({
    ...outcome,
    id,
    process: send.process,
    time: endUs,
    op,
    ...keyOf(outcome, send.invocation),
  })
  const tags = { workload: stats.name, op }
  metrics.add('http_req_duration', endUs - send.intendedUs, tags)
  metrics.add('http_reqs', 1, tags)
  metrics.add('http_req_failed', outcome.type === 'ok' ? 0 : 1, tags)
  if (outcome.type === 'info') metrics.add('ops_indeterminate', 1, tags)
  stats.complete(endUs - send.intendedUs, outcome.type === 'ok')
  return outcome
}

function keyOf(outcome: OperationOutcome, invocation: Invocation): { key?: string } {
  const key = outcome.key ?? invocation.key
  return key === undefined ? {} : { key }
}

async function withTimeout(context: LoadContext, send: Send): Promise<OperationOutcome> {
  const controller = new AbortController()
  const signal = AbortSignal.any([context.signal, controller.signal])
  let timer: NodeJS.Timeout | undefined
  let onAbort: (() => void) | undefined
  const stopped = new Promise<OperationOutcome>((resolve) => {
    timer = setTimeout(() => {
      controller.abort()
      resolve({ type: 'info', error: `no answer within ${send.timeoutMs}ms` })
    }, send.timeoutMs)
    onAbort = () => resolve({ type: 'info', error: 'interrupted: the run was stopped' })
    if (context.signal.aborted) onAbort()
    else context.signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([call(context, send, signal), stopped])
  } finally {
    clearTimeout(timer)
    if (onAbort !== undefined) context.signal.removeEventListener('abort', onAbort)
  }
}

async function call(
  context: LoadContext,
  send: Send,
  signal: AbortSignal,
): Promise<OperationOutcome> {
  try {
    const user = send.operation.user
    if (user !== undefined) {
      return await user.run({
        process: send.process,
        random: send.random,
        signal,
        endpoints: context.target.endpoints(),
        http: context.http,
      })
    }
    return await context.target.perform(send.operation.op, send.invocation, {
      process: send.process,
      signal,
    })
  } catch (error) {
    // A throw after the request may have gone out: the effect is unknown, never assumed absent.
    return { type: 'info', error: describeError(error) }
  }
}
