import type { ServerOptions as HttpsServerOptions } from 'node:https'
import fastify, {
  LogController,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyPluginCallback,
} from 'fastify'
import { TopologyError } from '../../errors.js'
import { handleError, handleNotFound } from './error-handler.js'
import { Readiness, type ReadinessCheck } from './readiness.js'
import { ShutdownSequence, type ShutdownHook, type ShutdownReport } from './shutdown.js'
import { enforceStrictSchemas } from './strict-schemas.js'
import { createValidatorCompiler, formatSchemaErrors } from './validation.js'

/** A fastify plugin the app registers before any route: auth, telemetry, ... */
export interface ServicePlugin {
  readonly name: string
  // fastify's own plugin types take any options; so does this seam.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly plugin: FastifyPluginAsync<any> | FastifyPluginCallback<any>
  readonly options?: Record<string, unknown>
}

/** Options of {@link createServiceApp}. */
export interface ServiceAppOptions {
  /** The service's name, on every log line. */
  readonly service: string
  /** This instance's id, on every log line. */
  readonly instance?: string
  /** Serve HTTPS with these options (key, cert, ca, requestCert for mTLS). */
  readonly https?: HttpsServerOptions
  /** Registered in order, before any route, so their hooks see every request. */
  readonly plugins?: readonly ServicePlugin[]
  /** Larger bodies get 413. @default 1048576 */
  readonly bodyLimitBytes?: number
  /** Pino level; `'silent'` logs nothing. @default 'info' */
  readonly logLevel?: string
  /** Log one line per request (costly under load). @default false */
  readonly logRequests?: boolean
  /** A readiness check that has not answered by then fails. @default 2000 */
  readonly readinessCheckTimeoutMs?: number
}

/** A service's fastify app plus its readiness checks and ordered shutdown. */
export interface ServiceApp {
  readonly app: FastifyInstance
  readonly service: string
  /** `/readyz` answers 200 only when every check passes. */
  addReadinessCheck(name: string, check: ReadinessCheck): void
  /** Runs after the server has drained, after every hook added before it. */
  onShutdown(name: string, hook: ShutdownHook): void
  /** Listens (port 0 picks a free one) and returns the base URL, `https://` with TLS. */
  listen(options?: { host?: string; port?: number }): Promise<string>
  /** Not ready, stop accepting, drain in-flight requests, run the shutdown hooks in order. */
  shutdown(): Promise<ShutdownReport>
}

/** The route config `/healthz` and `/readyz` carry, so auth plugins can let probes through. */
export const PROBE_ROUTE_CONFIG = Object.freeze({ faultlineProbe: true })

/** Whether a route is one of the app's probes (see {@link PROBE_ROUTE_CONFIG}). */
export function isProbeRoute(config: unknown): boolean {
  return typeof config === 'object' && config !== null && 'faultlineProbe' in config
}

function createFastify(options: ServiceAppOptions): FastifyInstance {
  const base = { service: options.service, instance: options.instance ?? options.service }
  return fastify({
    ...(options.https === undefined ? {} : { https: options.https }),
    logger: { level: options.logLevel ?? 'info', base },
    logController: new LogController({ disableRequestLogging: !(options.logRequests ?? false) }),
    bodyLimit: options.bodyLimitBytes ?? 1_048_576,
    schemaErrorFormatter: formatSchemaErrors,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  })
}

/**
 * The fastify app every service uses: `/healthz` (the process answers), `/readyz` (every
 * readiness check passes), JSON Schema validation on every route with 400s that name the field,
 * unknown body properties and query parameters refused, JSON errors that never turn a client's
 * mistake into a 5xx nor show a stack, and an ordered graceful shutdown.
 */
export async function createServiceApp(options: ServiceAppOptions): Promise<ServiceApp> {
  const app = createFastify(options)
  const readiness = new Readiness(options.readinessCheckTimeoutMs ?? 2_000)
  const shutdown = new ShutdownSequence(app, readiness, app.log)
  app.setValidatorCompiler(createValidatorCompiler())
  app.addHook('onRoute', enforceStrictSchemas)
  app.setErrorHandler(handleError)
  app.setNotFoundHandler(handleNotFound)
  app.addHook('onSend', async (_request, reply) => {
    // While draining, the client is told to open its next request elsewhere.
    if (shutdown.started) void reply.header('connection', 'close')
  })
  for (const { plugin, options: pluginOptions } of options.plugins ?? [])
    await app.register(plugin, pluginOptions ?? {})
  registerProbes(app, readiness)
  return {
    app,
    service: options.service,
    addReadinessCheck: (name, check) => readiness.add(name, check),
    onShutdown: (name, hook) => shutdown.add(name, hook),
    listen: (at) => listen(app, options, at),
    shutdown: () => shutdown.run(),
  }
}

function registerProbes(app: FastifyInstance, readiness: Readiness): void {
  const config = PROBE_ROUTE_CONFIG
  app.get('/healthz', { config }, () => ({ status: 'ok' }))
  app.get('/readyz', { config }, async (_request, reply) => {
    const report = await readiness.report()
    return reply.code(report.ready ? 200 : 503).send(report)
  })
}

async function listen(
  app: FastifyInstance,
  options: ServiceAppOptions,
  at: { host?: string; port?: number } = {},
): Promise<string> {
  const host = at.host ?? '127.0.0.1'
  try {
    await app.listen({ host, port: at.port ?? 0 })
  } catch (error) {
    throw new TopologyError(
      'E_TOPOLOGY_STARTUP_FAILED',
      `${options.service} could not listen on ${host}:${at.port ?? 0}: ${String(error)}`,
      { cause: error, context: { service: options.service }, retryable: true },
    )
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : at.port
  const scheme = options.https === undefined ? 'http' : 'https'
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`
}
