import { context, trace } from '@opentelemetry/api'
import { getRPCMetadata, RPCType } from '@opentelemetry/core'
import type { FastifyPluginCallback } from 'fastify'
import fp from 'fastify-plugin'

/** The W3C `traceresponse` value for the active span, or undefined when there is none. */
function traceResponse(): string | undefined {
  const span = trace.getActiveSpan()
  const sc = span?.spanContext()
  if (sc === undefined || !trace.isSpanContextValid(sc)) return undefined
  const flags = (sc.traceFlags & 1) === 1 ? '01' : '00'
  return `00-${sc.traceId}-${sc.spanId}-${flags}`
}

const plugin: FastifyPluginCallback = (app, _options, done) => {
  app.addHook('onRequest', (request, reply, next) => {
    const route = request.routeOptions.url
    const span = trace.getActiveSpan()
    if (route !== undefined && span !== undefined) {
      // The http instrumentation names the server span from the RPC metadata when it ends.
      const rpc = getRPCMetadata(context.active())
      if (rpc?.type === RPCType.HTTP) rpc.route = route
      span.updateName(`${request.method} ${route}`)
      span.setAttribute('http.route', route)
    }
    const header = traceResponse()
    if (header !== undefined) reply.header('traceresponse', header)
    next()
  })
  app.addHook('onError', (_request, _reply, error, next) => {
    trace.getActiveSpan()?.recordException(error)
    next()
  })
  done()
}

/**
 * Fastify plugin for a traced service: names each server span after its route template
 * (`GET /orders/:id`, never the raw URL, so names stay few), records errors on it, and returns
 * the trace in a W3C `traceresponse` header so a client can open the trace it caused.
 * Fastify 5 needs no instrumentation of its own: its requests run inside the http
 * instrumentation's server span.
 */
export const tracingPlugin = fp(plugin, { fastify: '5.x', name: 'faultline-tracing' })
