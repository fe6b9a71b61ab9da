import { decodeEnvelope, toConsumedEvent, type ConsumedEvent } from '../envelope.js'
import { SyncKitError, isSyncKitError, describeError } from '../errors.js'
import type { Upcasters } from '../upcast.js'
import type { EventHandler } from './options.js'
import type { ConsumedMessage } from './ports.js'

/** What the consumer does with a decoded event's type. */
export type Route<Tx> =
  { readonly kind: 'handle'; readonly handler: EventHandler<Tx> } | { readonly kind: 'ignore' }

/** A message turned into a current-version event and its route, or the reason it cannot be. */
export type Decoded<Tx> =
  | { readonly ok: true; readonly event: ConsumedEvent; readonly route: Route<Tx> }
  | {
      readonly ok: false
      readonly error: SyncKitError
      /** The envelope, when the message was one (so its sequence slot can be filled). */
      readonly event: ConsumedEvent | undefined
    }

/** How the consumer routes types. */
export interface Router<Tx> {
  readonly handlers: Readonly<Record<string, EventHandler<Tx>>>
  readonly ignoreTypes: readonly string[]
  readonly unhandledTypes: 'dead-letter' | 'ignore'
  readonly upcasters: Upcasters
}

/** Picks the handler of a (current-version) event, or says it is ignored or unknown. */
export function route<Tx>(router: Router<Tx>, event: ConsumedEvent): Route<Tx> | undefined {
  const handler = Object.hasOwn(router.handlers, event.type)
    ? router.handlers[event.type]
    : undefined
  if (handler !== undefined) return { kind: 'handle', handler }
  if (router.ignoreTypes.includes(event.type) || router.unhandledTypes === 'ignore') {
    return { kind: 'ignore' }
  }
  return undefined
}

/**
 * Decodes, upcasts and routes one message. Never throws: every problem (not JSON, missing
 * envelope fields, unknown type or version, an upcaster that fails) comes back as a value.
 */
export function decodeMessage<Tx>(router: Router<Tx>, message: ConsumedMessage): Decoded<Tx> {
  const where = { topic: message.topic, partition: message.partition, offset: message.offset }
  let envelope: ConsumedEvent
  try {
    envelope = toConsumedEvent(decodeEnvelope(message.value, where), message.headers)
  } catch (err) {
    return { ok: false, error: asKitError(err, 'E_SYNC_MALFORMED_MESSAGE'), event: undefined }
  }
  const routed = route(router, envelope)
  if (routed === undefined) {
    const error = new SyncKitError('E_SYNC_UNKNOWN_EVENT', `no handler for type ${envelope.type}`, {
      context: {
        ...where,
        eventId: envelope.id,
        eventType: envelope.type,
        schemaVersion: envelope.schemaVersion,
      },
    })
    return { ok: false, error, event: envelope }
  }
  if (routed.kind === 'ignore') return { ok: true, event: envelope, route: routed }
  try {
    return { ok: true, event: router.upcasters.upcast(envelope), route: routed }
  } catch (err) {
    return { ok: false, error: asKitError(err, 'E_SYNC_UPCAST_FAILED'), event: envelope }
  }
}

function asKitError(err: unknown, code: 'E_SYNC_MALFORMED_MESSAGE' | 'E_SYNC_UPCAST_FAILED') {
  return isSyncKitError(err) ? err : new SyncKitError(code, describeError(err), { cause: err })
}
