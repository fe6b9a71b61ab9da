import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, Histogram, type Registry } from 'prom-client'

/** Options for {@link metricsPlugin}. */
export interface MetricsPluginOptions {
  readonly registry: Registry
  /** @default '/metrics' */
  readonly path?: string
  /** Histogram buckets in seconds. @default 1 ms to 10 s */
  readonly buckets?: readonly number[]
}

const LABELS = ['method', 'route', 'status_code'] as const
type Label = (typeof LABELS)[number]

const DEFAULT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])

/**
 * The route template, never the raw URL: every path a client makes up would otherwise become a
 * series of its own and exhaust the scraper's memory. Unknown paths share one label.
 */
function routeLabel(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched'
}

function metric<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make()
}

function redMetrics(registry: Registry, buckets: readonly number[]) {
  const requests = metric(registry, 'http_server_requests_total', () => {
    return new Counter<Label>({
      name: 'http_server_requests_total',
      help: 'HTTP requests served, by method, route template and status code.',
      labelNames: LABELS,
      registers: [registry],
    })
  })
  const duration = metric(registry, 'http_server_request_duration_seconds', () => {
    return new Histogram<Label>({
      name: 'http_server_request_duration_seconds',
      help: 'Time from request received to response sent, by method, route template and status.',
      labelNames: LABELS,
      buckets: [...buckets],
      registers: [registry],
    })
  })
  return { requests, duration }
}

const plugin: FastifyPluginCallback<MetricsPluginOptions> = (app, options, done) => {
  const { registry } = options
  const red = redMetrics(registry, options.buckets ?? DEFAULT_BUCKETS)
  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, next) => {
    const labels = {
      method: METHODS.has(request.method) ? request.method : 'OTHER',
      route: routeLabel(request),
      status_code: String(reply.statusCode),
    }
    red.requests.inc(labels)
    red.duration.observe(labels, reply.elapsedTime / 1000)
    next()
  })
  app.get(options.path ?? '/metrics', { config: { auth: 'public' } }, async (_request, reply) => {
    const text = await registry.metrics()
    return reply.type(registry.contentType).send(text)
  })
  done()
}

/**
 * Fastify plugin: HTTP RED metrics for every route (`http_server_requests_total` and the
 * `http_server_request_duration_seconds` histogram, by method, route template and status code),
 * and the registry in the Prometheus text format at `/metrics` (a public route).
 */
export const metricsPlugin = fp(plugin, { fastify: '5.x', name: 'faultline-metrics' })
