import {
  context,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
} from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'

/** Header values as kafkajs hands them over, or as sync-kit envelopes hold them. */
export type HeaderValue = string | Buffer | readonly (string | Buffer)[] | undefined

/** A message's headers: a sync-kit envelope's `headers`, or a kafkajs `message.headers`. */
export type MessageHeaders = Readonly<Record<string, HeaderValue>>

// Our own propagator, not the global one: headers carry W3C context even in a process whose
// tracing setup registered another propagator, or none (as saga-kit's traceHeaders does).
const propagator = new W3CTraceContextPropagator()

function isList(value: HeaderValue): value is readonly (string | Buffer)[] {
  return Array.isArray(value)
}

const getter: TextMapGetter<MessageHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value: HeaderValue = carrier[key]
    const first: string | Buffer | undefined = isList(value) ? value[0] : value
    return first === undefined ? undefined : first.toString()
  },
}

/**
 * `headers` plus `traceparent` (and `tracestate`) of the active span: pass the result as an
 * outbox event's headers, or a Kafka message's, so consumers continue this trace.
 */
export function injectTraceContext(
  headers: Readonly<Record<string, string>> = {},
  from: Context = context.active(),
): Record<string, string> {
  const carrier: Record<string, string> = { ...headers }
  const setter: TextMapSetter<Record<string, string>> = {
    set: (target, key, value) => {
      target[key] = value
    },
  }
  propagator.inject(from, carrier, setter)
  return carrier
}

/** The producer's context from a message's headers, or `base` when they carry none. */
export function extractTraceContext(
  headers: MessageHeaders,
  base: Context = context.active(),
): Context {
  return propagator.extract(base, headers, getter)
}

/** Where a consumed message came from, recorded on the consumer span. */
export interface ConsumedMessage {
  readonly headers: MessageHeaders
  readonly topic?: string
  readonly partition?: number
  readonly offset?: string
}

/**
 * Runs `handle` inside a CONSUMER span whose parent is the producer's span (from the message's
 * `traceparent`), so one trace goes through Kafka. The span ends when `handle` settles and
 * records its error, which is rethrown.
 */
export async function withConsumerSpan<T>(
  tracer: Tracer,
  name: string,
  message: ConsumedMessage,
  handle: (span: Span) => Promise<T>,
  attributes: Attributes = {},
): Promise<T> {
  const parent = extractTraceContext(message.headers)
  const span = tracer.startSpan(
    name,
    { kind: SpanKind.CONSUMER, attributes: { ...messagingAttributes(message), ...attributes } },
    parent,
  )
  try {
    return await context.with(trace.setSpan(parent, span), () => handle(span))
  } catch (error) {
    span.recordException(error as Error)
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message })
    throw error
  } finally {
    span.end()
  }
}

function messagingAttributes(message: ConsumedMessage): Attributes {
  return {
    'messaging.system': 'kafka',
    ...(message.topic === undefined ? {} : { 'messaging.destination.name': message.topic }),
    ...(message.partition === undefined
      ? {}
      : { 'messaging.destination.partition.id': String(message.partition) }),
    ...(message.offset === undefined ? {} : { 'messaging.kafka.offset': message.offset }),
    'messaging.operation.type': 'process',
  }
}
