import { appendFile, mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { ExportResultCode, hrTimeToMicroseconds, type ExportResult } from '@opentelemetry/core'
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base'
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'

/** One line of the file: a finished span, flat and self-describing. */
export interface JsonlSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string | undefined
  readonly name: string
  readonly kind: string
  readonly service: string
  /** The instrumentation that made the span, e.g. `@opentelemetry/instrumentation-pg`. */
  readonly scope: string
  /** Epoch microseconds. */
  readonly startUs: number
  readonly durationUs: number
  readonly status: 'UNSET' | 'OK' | 'ERROR'
  readonly statusMessage?: string
  readonly attributes: Readonly<Record<string, unknown>>
  readonly events: readonly { name: string; timeUs: number; attributes: Record<string, unknown> }[]
}

function toLine(span: ReadableSpan): JsonlSpan {
  const { status } = span
  return {
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    name: span.name,
    kind: SpanKind[span.kind],
    service: String(span.resource.attributes['service.name'] ?? 'unknown'),
    scope: span.instrumentationScope.name,
    startUs: hrTimeToMicroseconds(span.startTime),
    durationUs: hrTimeToMicroseconds(span.duration),
    status: SpanStatusCode[status.code] as JsonlSpan['status'],
    ...(status.message === undefined ? {} : { statusMessage: status.message }),
    attributes: { ...span.attributes },
    events: span.events.map((e) => ({
      name: e.name,
      timeUs: hrTimeToMicroseconds(e.time),
      attributes: { ...e.attributes },
    })),
  }
}

/**
 * A span exporter that appends one JSON object per span to a file: the fallback when no OTLP
 * endpoint and no Zipkin server is configured, readable with `jq` or any log shipper. Batches
 * are written in order, one append each.
 */
export class JsonlSpanExporter implements SpanExporter {
  #writes: Promise<void> = Promise.resolve()
  #ready: Promise<unknown> | undefined
  #stopped = false

  constructor(readonly path: string) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.#stopped) return resultCallback({ code: ExportResultCode.FAILED })
    const text = spans.map((s) => `${JSON.stringify(toLine(s))}\n`).join('')
    this.#ready ??= mkdir(dirname(this.path), { recursive: true })
    this.#writes = this.#writes
      .then(() => this.#ready)
      .then(() => appendFile(this.path, text))
      .then(
        () => resultCallback({ code: ExportResultCode.SUCCESS }),
        (error: unknown) =>
          resultCallback({ code: ExportResultCode.FAILED, error: error as Error }),
      )
  }

  /** Resolves once every batch handed over so far is in the file. */
  forceFlush(): Promise<void> {
    return this.#writes
  }

  async shutdown(): Promise<void> {
    this.#stopped = true
    await this.#writes
  }
}
