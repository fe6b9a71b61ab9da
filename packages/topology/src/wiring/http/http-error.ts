/**
 * An error a route throws for a client's mistake (404, 409, 412, ...): the error handler sends
 * its status, `code` and message as they are. Any other error becomes a 500 without details.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError'

  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** Shorthand for `new HttpError(statusCode, code, message)`. */
export function httpError(statusCode: number, code: string, message: string): HttpError {
  return new HttpError(statusCode, code, message)
}
