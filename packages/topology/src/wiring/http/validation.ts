import { Ajv, type ErrorObject, type Options as AjvOptions, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { FastifySchemaValidationError } from 'fastify'

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

/** The request part a schema validates, as fastify names it. */
export type HttpPart = 'body' | 'querystring' | 'params' | 'headers'

const COMMON: AjvOptions = {
  useDefaults: true,
  // fastify's own default removes unknown properties silently; we refuse them instead.
  removeAdditional: false,
  allErrors: false,
  allowUnionTypes: true,
}

function createAjv(options: AjvOptions): Ajv {
  const ajv = new Ajv({ ...COMMON, ...options })
  addFormats(ajv)
  return ajv
}

/**
 * Compiles route schemas: a JSON body keeps its types (`"12"` is not a number), while query
 * strings, params and headers arrive as text and are coerced to the schema's types.
 */
export function createValidatorCompiler(): (route: {
  schema: object
  httpPart?: string
}) => ValidateFunction {
  const typed = createAjv({ coerceTypes: false })
  const coercing = createAjv({ coerceTypes: 'array' })
  return ({ schema, httpPart }) =>
    (httpPart === 'body' ? typed : coercing).compile(schema as Record<string, unknown>)
}

/** The field an ajv error is about, as `body/price` or `querystring/limit`. */
export function errorField(error: ValidationIssue, part: string): string {
  const path = error.instancePath ?? ''
  const params = error.params as Record<string, unknown>
  const child = params.additionalProperty ?? params.missingProperty
  return typeof child === 'string' ? `${part}${path}/${child}` : `${part}${path}`
}

/** The subset of an ajv error the messages need (fastify's and ajv's shapes both fit). */
export type ValidationIssue = Pick<ErrorObject, 'keyword' | 'params' | 'message'> & {
  readonly instancePath?: string
}

/** One sentence naming the field: `body/price must be number`, `body/color is not allowed`. */
export function describeIssue(error: ValidationIssue, part: string): string {
  const field = errorField(error, part)
  if (error.keyword === 'additionalProperties') return `${field} is not allowed`
  if (error.keyword === 'required') return `${field} is required`
  return `${field} ${error.message ?? 'is invalid'}`
}

/** fastify's `schemaErrorFormatter`: the first issue, described with its field. */
export function formatSchemaErrors(
  errors: readonly FastifySchemaValidationError[],
  dataVar: string,
): Error {
  const first = errors[0]
  return new Error(first === undefined ? `${dataVar} is invalid` : describeIssue(first, dataVar))
}
