import { setTimeout as sleep } from 'node:timers/promises'
import { InfraError, invalidOption } from '../errors.js'
import { checkInteger } from '../options.js'

/** One span as Zipkin's v2 API returns it. */
export interface ZipkinSpan {
  readonly traceId: string
  readonly id: string
  readonly parentId?: string
  readonly name?: string
  readonly kind?: 'CLIENT' | 'SERVER' | 'PRODUCER' | 'CONSUMER'
  /** Epoch microseconds. */
  readonly timestamp?: number
  /** Microseconds. */
  readonly duration?: number
  readonly localEndpoint?: { readonly serviceName?: string }
  readonly tags?: Readonly<Record<string, string>>
}

/** When a trace counts as complete for {@link waitForZipkinTrace}. */
export interface TraceCondition {
  /** Every one of these services has a span in it. */
  readonly services?: readonly string[]
  /** At least this many spans. @default 1 */
  readonly minSpans?: number
  /** @default 30000 */
  readonly timeoutMs?: number
}

const TRACE_ID = /^[0-9a-f]{16}([0-9a-f]{16})?$/

/** The spans of one trace, or `[]` while Zipkin has none of it (its API answers 404). */
export async function getZipkinTrace(baseUrl: string, traceId: string): Promise<ZipkinSpan[]> {
  if (!TRACE_ID.test(traceId)) {
    throw invalidOption('traceId', traceId, 'a 16 or 32 hex digit trace id', { service: 'zipkin' })
  }
  const response = await fetch(`${baseUrl}/api/v2/trace/${traceId}`)
  if (response.status === 404) return []
  if (!response.ok) {
    throw new InfraError(
      'E_INFRA_COMMAND_FAILED',
      `Zipkin answered ${response.status} for trace ${traceId}.`,
      {
        context: { service: 'zipkin' },
        retryable: true,
      },
    )
  }
  return (await response.json()) as ZipkinSpan[]
}

function satisfies(spans: readonly ZipkinSpan[], condition: TraceCondition): boolean {
  const services = new Set(spans.map((s) => s.localEndpoint?.serviceName))
  return (
    spans.length >= (condition.minSpans ?? 1) &&
    (condition.services ?? []).every((service) => services.has(service))
  )
}

/**
 * Polls Zipkin until the trace meets `condition` (exporters batch, so spans arrive late) and
 * returns its spans; after `timeoutMs`, fails with what it saw.
 */
export async function waitForZipkinTrace(
  baseUrl: string,
  traceId: string,
  condition: TraceCondition = {},
): Promise<ZipkinSpan[]> {
  const context = { service: 'zipkin' }
  checkInteger('minSpans', condition.minSpans ?? 1, { min: 1 }, context)
  const timeoutMs = checkInteger('timeoutMs', condition.timeoutMs ?? 30_000, { min: 0 }, context)
  const deadline = Date.now() + timeoutMs
  let spans: ZipkinSpan[] = []
  while (Date.now() < deadline) {
    spans = await getZipkinTrace(baseUrl, traceId)
    if (satisfies(spans, condition)) return spans
    await sleep(200)
  }
  const seen = spans
    .map((s) => `${s.localEndpoint?.serviceName ?? '?'}:${s.name ?? '?'}`)
    .join(', ')
  throw new InfraError(
    'E_INFRA_TIMEOUT',
    `trace ${traceId} did not reach ${JSON.stringify(condition)} in Zipkin; it has ${spans.length} spans (${seen}).`,
    // Exporters batch and a busy machine is slow: the same wait may well succeed again.
    { context: { service: 'zipkin' }, retryable: true },
  )
}
