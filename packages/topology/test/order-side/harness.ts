import pg from 'pg'
import { Agent, request } from 'undici'
import { startKafka, startPostgres, type KafkaHandle, type PostgresHandle } from '@faultline/infra'
import { createSupervisor, type Supervisor, type SupervisorEvent } from '../../src/index.js'
import { orderSideServices, type OrderSideOptions } from '../../src/services/order-services.js'
import type { TopologyServiceContext } from '../../src/services/shared/context.js'
import { startTopologyIssuer, type TopologyIssuer } from '../../src/start-topology/auth.js'
import type { Role } from '../../src/wiring/auth/roles.js'
import { startExternalIdp } from '../fixtures/external-idp.js'
import { makeRunDir, removeRunDir } from '../helpers.js'

/** The order side's services and where to reach them. */
export type OrderSideService = 'orders' | 'inventory' | 'payments' | 'shipping'

/** A running order side: real Postgres and Kafka, every process under the supervisor. */
export interface OrderSideRun {
  readonly supervisor: Supervisor
  /** Base URL of each service's first instance. */
  readonly urls: Readonly<Record<OrderSideService, string>>
  /** A pool on each service's database, for the tests' own SQL checks. */
  readonly db: Readonly<Record<OrderSideService, pg.Pool>>
  /** The Kafka brokers and the topic namespace the services use. */
  readonly kafkaBrokers: readonly string[]
  readonly namespace: string
  /** Every supervisor event so far. */
  readonly events: readonly SupervisorEvent[]
  /** Issues the tokens the services accept: an external IdP's (a stand-in in this process). */
  readonly issuer: TopologyIssuer
  /** `{ authorization: 'Bearer …' }` for `role` (and `sub`, a customer's id for orders). */
  bearer(role: Role, sub?: string): Promise<Record<string, string>>
  /** Stops the eight processes (SIGTERM), once; `stop()` then stops only the rest. */
  stopServices(): Promise<void>
  stop(): Promise<void>
}

const SERVICES: readonly OrderSideService[] = ['orders', 'inventory', 'payments', 'shipping']

function contextOf(
  server: PostgresHandle,
  kafka: KafkaHandle,
  urls: Record<OrderSideService, string>,
  runDir: string,
  issuer: TopologyIssuer,
): TopologyServiceContext {
  const database = (url: string) => ({ url, replicaUrl: url })
  return {
    infra: {
      postgresUrl: server.url,
      postgresReplicaUrl: server.url,
      redisUrl: 'redis://unused',
      kafkaBrokers: kafka.brokers,
    },
    // The catalog side's databases are not used by the order side.
    databases: {
      orders: database(urls.orders),
      inventory: database(urls.inventory),
      payments: database(urls.payments),
      shipping: database(urls.shipping),
      catalog: database(urls.orders),
      search: database(urls.orders),
    },
    kafkaBrokers: kafka.brokers,
    redisUrl: 'redis://unused',
    runDir,
    seed: 7,
    namespace: 'orderside.',
    testHooks: false,
    auth: issuer.serviceConfig,
  }
}

/** A pool for the test's SQL checks; a connection Postgres ends at teardown is no failure. */
function checkingPool(connectionString: string): pg.Pool {
  const pool = new pg.Pool({ connectionString, max: 4 })
  pool.on('error', () => {})
  return pool
}

/** Starts Postgres, Kafka and the order side's eight processes, and waits until all are ready. */
export async function startOrderSide(options: OrderSideOptions): Promise<OrderSideRun> {
  const runDir = makeRunDir()
  const [server, kafka] = await Promise.all([
    startPostgres({ log: () => {} }),
    startKafka({ log: () => {} }),
  ])
  const created = await Promise.all(SERVICES.map((name) => server.createDatabase(name)))
  const dbUrls = Object.fromEntries(
    SERVICES.map((name, index) => [name, created[index]!.url]),
  ) as Record<OrderSideService, string>
  // The order side checks tokens of an external IdP: `startTopology({ auth: { jwksUrl, minter } })`.
  const idp = await startExternalIdp()
  const issuer = await startTopologyIssuer({ jwksUrl: idp.jwksUrl, minter: idp.minter })
  const ctx = contextOf(server, kafka, dbUrls, runDir, issuer)
  const events: SupervisorEvent[] = []
  const supervisor = createSupervisor({
    runDir,
    services: orderSideServices(ctx, options),
    onEvent: (event) => events.push(event),
  })
  const db = Object.fromEntries(
    SERVICES.map((name) => [name, checkingPool(dbUrls[name])]),
  ) as Record<OrderSideService, pg.Pool>
  let stopping: Promise<void> | undefined
  const stopServices = () => (stopping ??= supervisor.stop())
  const stop = async () => {
    await stopServices()
    await Promise.all(Object.values(db).map((pool) => pool.end()))
    await Promise.all([server.stop(), kafka.stop(), idp.close()])
    removeRunDir(runDir)
  }
  try {
    await supervisor.start()
  } catch (error) {
    await stop()
    throw error
  }
  const urls = Object.fromEntries(
    SERVICES.map((name) => [name, supervisor.service(name).instance(1).url ?? '']),
  ) as Record<OrderSideService, string>
  return {
    supervisor,
    urls,
    db,
    kafkaBrokers: kafka.brokers,
    namespace: ctx.namespace,
    events,
    issuer,
    bearer: async (role, sub) => ({
      authorization: `Bearer ${await issuer.mintToken({ role, ...(sub === undefined ? {} : { sub }) })}`,
    }),
    stopServices,
    stop,
  }
}

/** A keep-alive client with room for a flash sale's concurrent requests. */
const client = new Agent({ keepAliveTimeout: 10_000, connections: 128, pipelining: 1 })

/** One HTTP exchange: status, headers and the body's exact text. */
export interface Exchange {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly text: string
}

/** Sends one request with a JSON body (when given) and extra headers. */
export async function send(
  base: string,
  path: string,
  init: { method?: 'GET' | 'POST' | 'PUT'; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Exchange> {
  const hasBody = init.body !== undefined
  const response = await request(new URL(path, base), {
    dispatcher: client,
    method: init.method ?? 'GET',
    headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...init.headers },
    ...(hasBody ? { body: JSON.stringify(init.body) } : {}),
    headersTimeout: 120_000,
    bodyTimeout: 120_000,
  })
  return {
    status: response.statusCode,
    headers: response.headers,
    text: await response.body.text(),
  }
}

/** `send` and parse the JSON body. */
export async function json<T = Record<string, unknown>>(
  base: string,
  path: string,
  init: Parameters<typeof send>[2] = {},
): Promise<{ status: number; body: T }> {
  const exchange = await send(base, path, init)
  return { status: exchange.status, body: JSON.parse(exchange.text) as T }
}

/** Closes the shared client (after the file's tests). */
export async function closeClient(): Promise<void> {
  await client.close()
}

/** One number from a SQL query's first row's first column. */
export async function scalar(pool: pg.Pool, sql: string, values: unknown[] = []): Promise<number> {
  const { rows } = await pool.query<Record<string, unknown>>(sql, values)
  const first = rows[0] === undefined ? undefined : Object.values(rows[0])[0]
  return Number(first ?? 0)
}
