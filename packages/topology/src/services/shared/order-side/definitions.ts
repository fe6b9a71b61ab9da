import { fileURLToPath } from 'node:url'
import type { RestartPolicy } from '../../../supervisor/restart-policy.js'
import type { ServiceDefinition } from '../../../supervisor/types.js'
import { relayDefinition } from '../../relay/definition.js'
import type { TopologyServiceContext } from '../context.js'

/** The order side's databases. */
export type OrderSideDatabase = 'orders' | 'inventory' | 'payments' | 'shipping'

/** Knobs of the order side's service definitions (tests and the CLI turn them). */
export interface OrderSideOptions {
  /** Pino level of every order-side process. @default 'info' */
  readonly logLevel?: string
  /** How long a participant has to answer one attempt of a saga command. @default 30000 */
  readonly stepTimeoutMs?: number
  /** Payments' chaos knobs at start. @default none */
  readonly chaos?: {
    readonly failureRate?: number
    readonly latencyMs?: number
    readonly hang?: boolean
  }
  /** Instances per service. @default 1 each */
  readonly instances?: Partial<Record<OrderSideDatabase, number>>
  /** When the supervisor restarts a crashed process. @default { restart: 'never' } */
  readonly restartPolicy?: RestartPolicy
}

/**
 * The absolute path of a service's entry next to `moduleUrl`: `main.ts` when running from
 * source (the supervisor runs it under tsx), `main.js` when built.
 */
export function entryOf(moduleUrl: string, relative: string): string {
  const extension = moduleUrl.endsWith('.ts') ? '.ts' : '.js'
  return fileURLToPath(new URL(`${relative}${extension}`, moduleUrl))
}

/** The config fields every order-side service of database `database` gets. */
export function sharedConfig(
  ctx: TopologyServiceContext,
  database: OrderSideDatabase,
  options: OrderSideOptions,
): Record<string, unknown> {
  return {
    databaseUrl: ctx.databases[database].url,
    kafkaBrokers: [...ctx.kafkaBrokers],
    namespace: ctx.namespace,
    logLevel: options.logLevel ?? 'info',
    auth: ctx.auth,
  }
}

/** The common parts of a service's definition: config, policy, instances. */
export function serviceDefinition(
  ctx: TopologyServiceContext,
  database: OrderSideDatabase,
  options: OrderSideOptions,
  definition: Pick<ServiceDefinition, 'name' | 'entry' | 'dependsOn'> & {
    readonly config?: Readonly<Record<string, unknown>>
  },
): ServiceDefinition {
  return {
    ...definition,
    instances: options.instances?.[database] ?? 1,
    config: { ...sharedConfig(ctx, database, options), ...definition.config },
    restartPolicy: options.restartPolicy ?? { restart: 'never' },
  }
}

/**
 * `relay-<database>` of an order-side database: the topology's one relay module, with the order
 * side's restart policy and log level, creating the topics of the channels `channels` (what this
 * database's outbox sends) before it is ready.
 */
export function orderSideRelay(
  ctx: TopologyServiceContext,
  database: OrderSideDatabase,
  options: OrderSideOptions,
  channels: readonly string[],
): ServiceDefinition {
  return relayDefinition(ctx, database, {
    aggregateTypes: channels,
    restartPolicy: options.restartPolicy ?? { restart: 'never' },
    logLevel: options.logLevel ?? 'info',
  })
}
