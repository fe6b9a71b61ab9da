import type { ObjectSchema } from '../../../wiring/http/service-config.js'
import { SERVICE_AUTH_CONFIG_SCHEMA, type ServiceAuthConfig } from '../service-auth.js'

/** The configuration fields every order-side process has (besides the base fields). */
export interface OrderSideConfig {
  /** The service's own database (primary). */
  readonly databaseUrl: string
  /** Kafka bootstrap brokers, `host:port`. */
  readonly kafkaBrokers: readonly string[]
  /** Prefix of topics, groups and slots. @default '' */
  readonly namespace: string
  /** Pino level. @default 'info' */
  readonly logLevel: string
  /** Connections in the service's pool. @default 10 */
  readonly poolMax: number
  /** How the service checks bearer tokens. */
  readonly auth: ServiceAuthConfig
}

/** JSON Schema properties of {@link OrderSideConfig}. */
export const ORDER_SIDE_CONFIG_PROPERTIES = {
  databaseUrl: { type: 'string', minLength: 1, maxLength: 2000 },
  kafkaBrokers: {
    type: 'array',
    minItems: 1,
    maxItems: 20,
    items: { type: 'string', minLength: 1, maxLength: 300 },
  },
  namespace: { type: 'string', maxLength: 40, pattern: '^[A-Za-z0-9._-]*$', default: '' },
  logLevel: {
    enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
  },
  poolMax: { type: 'integer', minimum: 2, maximum: 100, default: 10 },
  auth: SERVICE_AUTH_CONFIG_SCHEMA,
} as const

/** An order-side service's config schema: the shared fields plus its own. */
export function orderSideConfigSchema(
  own: Readonly<Record<string, object>> = {},
  required: readonly string[] = [],
): ObjectSchema {
  return {
    type: 'object',
    properties: { ...ORDER_SIDE_CONFIG_PROPERTIES, ...own },
    required: ['databaseUrl', 'kafkaBrokers', 'auth', ...required],
  }
}
