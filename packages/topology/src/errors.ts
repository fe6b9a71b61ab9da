import { FaultlineError } from '@faultline/common'
import type { InvalidTokenReason } from './wiring/auth/auth-error.js'

/** Every error code `@faultline/topology` raises. */
export type TopologyErrorCode =
  | 'E_TOPOLOGY_INVALID_OPTION'
  | 'E_TOPOLOGY_INVALID_CONFIG'
  | 'E_TOPOLOGY_ROUTE_SCHEMA'
  /** A topology service registered a route its access table does not list. */
  | 'E_TOPOLOGY_ROUTE_ACCESS'
  | 'E_TOPOLOGY_DEPENDENCY_CYCLE'
  | 'E_TOPOLOGY_UNKNOWN_SERVICE'
  | 'E_TOPOLOGY_STARTUP_FAILED'
  | 'E_TOPOLOGY_STARTUP_TIMEOUT'
  | 'E_TOPOLOGY_LB_FAILED'
  // The wiring (src/wiring/auth, tls, telemetry):
  /** The request carries no bearer token (answered 401). */
  | 'E_TOPOLOGY_MISSING_TOKEN'
  /** The token is malformed, forged, expired, or not for us (401, RFC 6750 `invalid_token`). */
  | 'E_TOPOLOGY_INVALID_TOKEN'
  /** The token is valid but lacks the role the route requires (403, `insufficient_scope`). */
  | 'E_TOPOLOGY_FORBIDDEN'
  /** The JWKS could not be fetched, so no token can be checked right now (503). */
  | 'E_TOPOLOGY_JWKS_UNAVAILABLE'
  /** An outgoing call would carry no identity: no caller token and no service token. */
  | 'E_TOPOLOGY_NO_IDENTITY'
  /** The token endpoint answered without a service token. */
  | 'E_TOPOLOGY_TOKEN_REFUSED'
  /** Making a key or signing a certificate failed. */
  | 'E_TOPOLOGY_CERTIFICATE_FAILED'
  /** Tracing was started twice in one process (OpenTelemetry has one global provider). */
  | 'E_TOPOLOGY_TRACING_ALREADY_STARTED'

/** What a topology error is about; every field is optional. */
export interface TopologyErrorContext {
  readonly service?: string
  readonly instance?: string
  readonly option?: string
  readonly route?: string
  readonly provider?: string
  readonly logTail?: string
  /** Why a token was refused (`E_TOPOLOGY_INVALID_TOKEN`); fixed words, never token text. */
  readonly reason?: InvalidTokenReason
  /** The status a remote endpoint answered with. */
  readonly status?: number
  /** The remote endpoint (a JWKS, a token endpoint). */
  readonly url?: string
  /** The certificate's subject (`E_TOPOLOGY_CERTIFICATE_FAILED`, TLS options). */
  readonly commonName?: string
  readonly [key: string]: unknown
}

const BRAND = Symbol.for('faultline.topology.error')

/** The one error class `@faultline/topology` throws; `code` says what went wrong. */
export class TopologyError extends FaultlineError<TopologyErrorCode, TopologyErrorContext> {
  override name = 'TopologyError'
  readonly [BRAND] = true
}

/** True for a {@link TopologyError}, even one from another copy of this package. */
export function isTopologyError(value: unknown): value is TopologyError {
  return typeof value === 'object' && value !== null && BRAND in value
}

/** Describes a thrown value that may not be an Error, for messages. */
export function describeThrown(value: unknown): string {
  if (value instanceof Error) return value.message
  return typeof value === 'string' ? value : String(value)
}
