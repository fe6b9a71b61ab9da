import type { IncomingMessage } from 'node:http'
import type { Instrumentation } from '@opentelemetry/instrumentation'
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http'
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis'
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs'
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg'
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici'

/** Probes and scrapes: traced, they would bury the requests people look for. */
const UNTRACED_PATHS = new Set(['/metrics', '/healthz', '/readyz', '/livez'])

function isProbe(request: IncomingMessage): boolean {
  const path = (request.url ?? '').split('?')[0] ?? ''
  return UNTRACED_PATHS.has(path)
}

/** Which client libraries to instrument; all on unless switched off. */
export interface InstrumentationChoice {
  readonly pg?: boolean
  readonly ioredis?: boolean
  /**
   * Off for a relay: kafkajs's instrumentation rewrites each sent message's `traceparent` with
   * its own send span, which in a relay (no active request) starts a new trace per batch.
   * Consumers continue from the envelope's headers either way.
   */
  readonly kafkajs?: boolean
}

/**
 * The instrumentations a service gets: incoming and outgoing `http`/`https` (fastify runs on
 * it), undici (service-to-service calls), and unless switched off pg (statement text only, never
 * parameter values), ioredis and kafkajs.
 */
export function defaultInstrumentations(choice: InstrumentationChoice = {}): Instrumentation[] {
  return [
    new HttpInstrumentation({ ignoreIncomingRequestHook: isProbe }),
    new UndiciInstrumentation(),
    ...(choice.pg === false ? [] : [new PgInstrumentation({ enhancedDatabaseReporting: false })]),
    ...(choice.ioredis === false ? [] : [new IORedisInstrumentation()]),
    ...(choice.kafkajs === false ? [] : [new KafkaJsInstrumentation()]),
  ]
}
