import type { RouteOptions } from 'fastify'
import { TopologyError } from '../../errors.js'

type Schema = Record<string, unknown>

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH'])

function isObject(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * A copy of `schema` where every object schema that does not say otherwise refuses unknown
 * properties. An explicit `additionalProperties` (true or a schema) is kept: it is a visible
 * choice in the route's code, not an accident.
 */
export function closeSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeSchema)
  if (!isObject(schema)) return schema
  const closed: Schema = {}
  for (const [key, value] of Object.entries(schema)) closed[key] = closeSchema(value)
  const isObjectSchema = schema.type === 'object' || isObject(schema.properties)
  if (isObjectSchema && !('additionalProperties' in schema) && !('patternProperties' in schema))
    closed.additionalProperties = false
  return closed
}

/** An object schema that accepts no property at all: the query of a route that declares none. */
export const NO_QUERY: Readonly<Schema> = Object.freeze({
  type: 'object',
  additionalProperties: false,
})

function methods(route: RouteOptions): string[] {
  return Array.isArray(route.method) ? route.method : [route.method]
}

function refuse(route: RouteOptions, message: string): never {
  const name = `${methods(route).join(',')} ${route.url}`
  throw new TopologyError('E_TOPOLOGY_ROUTE_SCHEMA', `${name}: ${message}`, {
    context: { route: name },
  })
}

/**
 * The `onRoute` hook that makes every route strict at registration: a route that takes a body
 * or has path params must declare their schema (else registration fails naming the route), a
 * route without a query schema accepts no query parameter, and object schemas refuse unknown
 * properties unless they say otherwise.
 */
export function enforceStrictSchemas(route: RouteOptions): void {
  const schema: Schema = { ...(route.schema as Schema | undefined) }
  if (methods(route).some((m) => BODY_METHODS.has(m)) && schema.body === undefined)
    refuse(route, 'no body schema. Declare schema.body (e.g. { type: "object", properties: … })')
  if (route.url.includes(':') && schema.params === undefined)
    refuse(route, 'path params without a schema. Declare schema.params for each :param')
  schema.querystring = schema.querystring ?? NO_QUERY
  for (const part of ['body', 'querystring', 'params'] as const)
    if (schema[part] !== undefined) schema[part] = closeSchema(schema[part])
  route.schema = schema
}
