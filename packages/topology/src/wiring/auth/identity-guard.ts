import type { Dispatcher } from 'undici'
import { TopologyError } from '../../errors.js'

function hasAuthorization(headers: Dispatcher.DispatchOptions['headers']): boolean {
  if (headers === undefined || headers === null) return false
  if (Array.isArray(headers)) {
    // The flat form: [name, value, name, value, ...].
    return headers.some((h, i) => i % 2 === 0 && String(h).toLowerCase() === 'authorization')
  }
  if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const [name] of headers as Iterable<[string, unknown]>) {
      if (name.toLowerCase() === 'authorization') return true
    }
    return false
  }
  return Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')
}

/**
 * An undici interceptor that refuses to send a request without an `Authorization` header:
 * `agent.compose(identityGuard())`. A forgotten header fails loudly in the caller, with
 * `E_TOPOLOGY_NO_IDENTITY`, instead of reaching a service as an anonymous call.
 */
export function identityGuard(): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (options, handler) => {
    if (hasAuthorization(options.headers)) return dispatch(options, handler)
    throw new TopologyError(
      'E_TOPOLOGY_NO_IDENTITY',
      `refusing ${options.method} ${options.path} without an Authorization header: use outgoingAuthorization().`,
    )
  }
}
