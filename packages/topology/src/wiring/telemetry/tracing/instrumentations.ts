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

/**
 * The instrumentations every service gets: incoming and outgoing `http`/`https` (fastify runs on
 * it), undici (service-to-service calls), pg (statement text only, never parameter values),
 * ioredis and kafkajs.
 */
export function defaultInstrumentations(): Instrumentation[] {
  return [
    new HttpInstrumentation({ ignoreIncomingRequestHook: isProbe }),
    new UndiciInstrumentation(),
    new PgInstrumentation({ enhancedDatabaseReporting: false }),
    new IORedisInstrumentation(),
    new KafkaJsInstrumentation(),
  ]
}
