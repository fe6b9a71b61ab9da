import type { ObjectSchema } from '../../wiring/http/service-config.js'
import { SERVICE_AUTH_CONFIG_SCHEMA, type ServiceAuthConfig } from '../shared/service-auth.js'

/** The configuration of a relay process (`main.ts` here), one per outbox database. */
export interface RelayConfig {
  /** The outbox's database (primary). */
  readonly databaseUrl: string
  /** The database's name (`catalog`, `orders`, ...), on `/ops/state` and in the slot's name. */
  readonly database: string
  /** Kafka bootstrap brokers, `host:port`. */
  readonly kafkaBrokers: readonly string[]
  /** Replication slot; the publication is `<slot>_pub`. */
  readonly slot: string
  /** Prefix of the topics it publishes to (`<namespace>outbox.event.<aggregate type>`). @default '' */
  readonly namespace: string
  /**
   * The topics this database's events go to: created with `partitions` partitions before the
   * relay is ready, so no publish creates one with the broker's default of one partition.
   */
  readonly topics: readonly string[]
  /** Partitions of a topic in `topics` the relay creates. */
  readonly partitions: number
  /** How long a batch waits to fill after an idle spell (fewer produce requests at low rates). @default 2 */
  readonly lingerMs: number
  /** How often the relay writes a heartbeat into the WAL (its lag on `/ops/state`). @default 2000 */
  readonly heartbeatIntervalMs: number
  /** Pino level. @default 'info' */
  readonly logLevel: string
  /** How its `/ops/state` verifies callers' tokens (an `ops` route, as on every service). */
  readonly auth: ServiceAuthConfig
}

/** The JSON Schema of {@link RelayConfig}. */
export const RELAY_CONFIG_SCHEMA: ObjectSchema = {
  type: 'object',
  properties: {
    databaseUrl: { type: 'string', minLength: 1, maxLength: 2000 },
    database: { type: 'string', minLength: 1, maxLength: 40, pattern: '^[a-z][a-z0-9_]*$' },
    kafkaBrokers: {
      type: 'array',
      minItems: 1,
      maxItems: 20,
      items: { type: 'string', minLength: 1, maxLength: 300 },
    },
    slot: { type: 'string', pattern: '^[a-z0-9_]{1,63}$' },
    namespace: { type: 'string', maxLength: 40, pattern: '^[A-Za-z0-9._-]*$', default: '' },
    topics: {
      type: 'array',
      maxItems: 50,
      items: { type: 'string', minLength: 1, maxLength: 249 },
      default: [],
    },
    partitions: { type: 'integer', minimum: 1, maximum: 100 },
    lingerMs: { type: 'integer', minimum: 0, maximum: 1000, default: 2 },
    heartbeatIntervalMs: { type: 'integer', minimum: 100, maximum: 600_000, default: 2_000 },
    logLevel: {
      enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      default: 'info',
    },
    auth: SERVICE_AUTH_CONFIG_SCHEMA,
  },
  required: ['databaseUrl', 'database', 'kafkaBrokers', 'slot', 'partitions', 'auth'],
}
