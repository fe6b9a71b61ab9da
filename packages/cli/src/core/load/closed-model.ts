import autocannon from 'autocannon'
import type { ResolvedClosedWorkload } from '@faultline/scenarios'
import { CliError } from '../errors.js'
import type { SeededRandom } from '../random.js'
import type { HttpRequestSpec } from '../target.js'
import type { LoadContext } from './load-context.js'
import { WorkloadStats } from './workload-stats.js'

/** autocannon's per-connection context, where we queue the operations sent and not yet answered. */
interface ConnectionContext {
  ops?: string[]
}

/**
 * Runs a closed workload through autocannon: `connections` each keep `pipelining` requests in
 * flight for the duration, for raw throughput. Its requests feed the metrics (tagged with the
 * operation, which autocannon's per-connection context carries in order) but not the history.
 */
export class ClosedWorkloadRunner {
  readonly stats: WorkloadStats
  private readonly random: SeededRandom

  constructor(
    private readonly context: LoadContext,
    private readonly workload: ResolvedClosedWorkload,
  ) {
    this.stats = new WorkloadStats(workload.name, 'closed', context.loadStartUs)
    this.random = context.random.fork(`workload:${workload.name}`)
  }

  /** Resolves when autocannon finishes (or is stopped by an interrupt). */
  async run(): Promise<void> {
    const origin = this.origin()
    let answered: { op: string; status: number } | undefined
    let settle: (error?: Error) => void = () => undefined
    const done = new Promise<void>((resolve, reject) => {
      settle = (error) => (error === undefined || error === null ? resolve() : reject(error))
    })
    const options: autocannon.Options = {
      url: origin,
      connections: this.workload.connections,
      pipelining: this.workload.pipelining,
      duration: this.workload.durationMs / 1000,
      timeout: Math.max(1, Math.ceil(this.workload.timeoutMs / 1000)),
      requests: [
        {
          setupRequest: (request, context) => {
            const { op, spec } = this.next()
            const ctx = context as ConnectionContext
            ;(ctx.ops ??= []).push(op)
            return {
              ...request,
              method: spec.method as 'GET',
              path: spec.path,
              headers: { ...spec.headers },
              ...(spec.body === undefined ? {} : { body: spec.body }),
            }
          },
          onResponse: (status, _body, context) => {
            answered = { op: (context as ConnectionContext).ops?.shift() ?? 'unknown', status }
          },
        },
      ],
    }
    const instance = autocannon(options, (error) => settle(error as Error | undefined))
    const emitter = instance as unknown as NodeJS.EventEmitter
    // autocannon calls onResponse, then emits 'response' for the same reply, synchronously.
    emitter.on(
      'response',
      (_client: unknown, status: number, _bytes: number, responseTimeMs: number) => {
        this.record(answered?.op ?? 'unknown', status, responseTimeMs * 1000)
        answered = undefined
      },
    )
    emitter.on('reqError', () => this.recordError())
    const onAbort = () => instance.stop()
    this.context.signal.addEventListener('abort', onAbort, { once: true })
    this.stats.inFlight = this.workload.connections * this.workload.pipelining
    try {
      await done
    } finally {
      this.stats.inFlight = 0
      this.context.signal.removeEventListener('abort', onAbort)
    }
  }

  private next(): { op: string; spec: HttpRequestSpec } {
    const operations = this.workload.operations
    const operation = operations[
      this.random.weighted(operations.map((o) => o.weight))
    ] as (typeof operations)[number]
    const target = this.context.target
    const invocation = target.prepare(operation.op, this.random)
    return {
      op: operation.op,
      spec: (target.httpRequest as NonNullable<typeof target.httpRequest>)(
        operation.op,
        invocation,
      ),
    }
  }

  private origin(): string {
    const target = this.context.target
    if (target.httpRequest === undefined) {
      throw new CliError(
        'E_CLI_UNSUPPORTED',
        `Target '${target.describe().name}' cannot run closed workloads (it maps no operation to an HTTP request); make workload '${this.workload.name}' open.`,
      )
    }
    const origins = new Set(
      this.workload.operations.map(
        (o) => target.httpRequest?.(o.op, target.prepare(o.op, this.random.fork('probe'))).origin,
      ),
    )
    if (origins.size !== 1) {
      throw new CliError(
        'E_CLI_UNSUPPORTED',
        `Closed workload '${this.workload.name}' mixes operations served by different origins (${[...origins].join(', ')}); autocannon drives one origin, so split it into one workload per origin.`,
      )
    }
    return [...origins][0] as string
  }

  private record(op: string, status: number, latencyUs: number): void {
    const tags = { workload: this.workload.name, op }
    const ok = status < 400
    this.stats.sent++
    this.context.metrics.add('http_req_duration', latencyUs, tags)
    this.context.metrics.add('http_reqs', 1, tags)
    this.context.metrics.add('http_req_failed', ok ? 0 : 1, tags)
    this.stats.complete(latencyUs, ok)
  }

  private recordError(): void {
    this.stats.sent++
    this.context.metrics.add('http_req_failed', 1, { workload: this.workload.name })
    this.stats.complete(0, false)
  }
}
