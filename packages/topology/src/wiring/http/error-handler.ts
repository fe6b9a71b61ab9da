import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { HttpError } from './http-error.js'
import { errorField } from './validation.js'

/** The JSON body of every error response. */
export interface ErrorBody {
  readonly statusCode: number
  readonly error: string
  readonly code: string
  readonly message: string
  /** The field a validation error is about, e.g. `body/price`. */
  readonly field?: string
  /** The request id to look up in the service's log (server errors only). */
  readonly requestId?: string
}

/** The status to answer with as it is: a client's mistake, or one a route chose on purpose. */
function deliberateStatus(error: FastifyError): number | undefined {
  if (error instanceof HttpError) return error.statusCode
  if (error.validation !== undefined) return 400
  const status = error.statusCode
  return status !== undefined && status >= 400 && status < 500 ? status : undefined
}

function validationField(error: FastifyError): string | undefined {
  const first = error.validation?.[0]
  return first === undefined ? undefined : errorField(first, error.validationContext ?? 'body')
}

/**
 * Answers every error as JSON. A client's mistake (validation, malformed JSON, body too large,
 * any error carrying a 4xx `statusCode`) and an {@link HttpError} keep their status and message;
 * anything else is a 500 that names only the request id, and is logged with its stack, so no
 * stack trace or internal message reaches a client.
 */
export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const status = deliberateStatus(error)
  if (status !== undefined) {
    request.log.info({ err: error, statusCode: status }, 'request refused')
    const field = validationField(error)
    return reply.code(status).send({
      statusCode: status,
      error: STATUS_CODES[status] ?? 'Client Error',
      code: error.code ?? 'E_BAD_REQUEST',
      message: error.message,
      ...(field === undefined ? {} : { field }),
    } satisfies ErrorBody)
  }
  request.log.error({ err: error }, 'request failed')
  const body: ErrorBody = {
    statusCode: 500,
    error: 'Internal Server Error',
    code: 'E_INTERNAL',
    message: `internal error; see the service log for request ${request.id}`,
    requestId: request.id,
  }
  return reply.code(500).send(body)
}

/** Answers an unknown route with a JSON 404 naming it. */
export function handleNotFound(request: FastifyRequest, reply: FastifyReply) {
  const body: ErrorBody = {
    statusCode: 404,
    error: 'Not Found',
    code: 'E_NOT_FOUND',
    message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}`,
  }
  return reply.code(404).send(body)
}
