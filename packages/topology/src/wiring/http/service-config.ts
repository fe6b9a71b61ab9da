import { Ajv, type ErrorObject } from 'ajv'
import { TopologyError, describeThrown } from '../../errors.js'

/** The env var that carries a service instance's whole configuration as one JSON document. */
export const SERVICE_CONFIG_ENV = 'FAULTLINE_SERVICE_CONFIG'

/** The fields every service's configuration has; the supervisor fills them. */
export interface BaseServiceConfig {
  /** The service's name, e.g. `catalog-query`. */
  readonly service: string
  /** This instance's id, e.g. `catalog-query-2`. */
  readonly instance: string
  /** @default '127.0.0.1' */
  readonly host: string
  /** 0 picks a free port. @default 0 */
  readonly port: number
  /** After SIGTERM, exit by then even if draining has not finished. @default 10000 */
  readonly shutdownTimeoutMs: number
}

/** A JSON Schema of an object: a service's own configuration fields. */
export interface ObjectSchema {
  readonly type: 'object'
  readonly properties: Readonly<Record<string, object>>
  readonly required?: readonly string[]
}

const BASE_PROPERTIES = {
  service: { type: 'string', minLength: 1 },
  instance: { type: 'string', minLength: 1 },
  host: { type: 'string', minLength: 1, default: '127.0.0.1' },
  port: { type: 'integer', minimum: 0, maximum: 65535, default: 0 },
  shutdownTimeoutMs: { type: 'integer', minimum: 1, default: 10_000 },
}

function describeErrors(errors: readonly ErrorObject[]): string {
  return errors
    .map((e) => {
      const params = e.params as Record<string, unknown>
      const child = params.additionalProperty ?? params.missingProperty
      const at = typeof child === 'string' ? `${e.instancePath}/${child}` : e.instancePath || '/'
      if (e.keyword === 'additionalProperties') return `${at} is not a known setting`
      if (e.keyword === 'required') return `${at} is required`
      return `${at} ${e.message ?? 'is invalid'}`
    })
    .join('; ')
}

function invalid(message: string, cause?: unknown): TopologyError {
  return new TopologyError(
    'E_TOPOLOGY_INVALID_CONFIG',
    `${SERVICE_CONFIG_ENV} ${message}. The supervisor passes one JSON document; check the service's config schema.`,
    { cause, context: { option: SERVICE_CONFIG_ENV } },
  )
}

/**
 * Reads and validates the instance's configuration from {@link SERVICE_CONFIG_ENV}: the
 * {@link BaseServiceConfig} fields plus the service's own (`schema`). Unknown fields are refused,
 * so a typo fails at start instead of being ignored; every problem is named in one message.
 */
export function readServiceConfig<C extends object>(
  schema: ObjectSchema,
  env: NodeJS.ProcessEnv = process.env,
): BaseServiceConfig & C {
  const text = env[SERVICE_CONFIG_ENV]
  if (text === undefined || text.trim() === '') throw invalid('is not set')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw invalid(`is not valid JSON (${describeThrown(error)})`, error)
  }
  const full = {
    type: 'object',
    properties: { ...schema.properties, ...BASE_PROPERTIES },
    required: ['service', 'instance', ...(schema.required ?? [])],
    additionalProperties: false,
  }
  const validate = new Ajv({ allErrors: true, useDefaults: true, strict: false }).compile(full)
  if (!validate(value)) throw invalid(`is invalid: ${describeErrors(validate.errors ?? [])}`)
  return value as BaseServiceConfig & C
}
