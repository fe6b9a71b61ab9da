import type { EventEnvelope, JsonValue } from './envelope.js'
import { SyncKitError, describeError } from './errors.js'

/** Turns the payload of version `from` into the payload of version `from + 1`. */
export type Upcaster = (payload: JsonValue, event: EventEnvelope) => JsonValue

/** Options for {@link createUpcasters}: per event type, the version handlers expect and the steps. */
export type UpcasterDefinitions = Readonly<
  Record<
    string,
    {
      /** The version handlers are written for. @default 1 + the highest step, or 1 without steps */
      readonly current?: number
      /** Step `n` lifts version `n` to `n + 1`. */
      readonly steps?: Readonly<Record<number, Upcaster>>
    }
  >
>

/**
 * A registry of upcasters. Every event read by a consumer passes through {@link Upcasters.upcast}
 * so handlers only ever see the current version of each type: old events stay in the log as they
 * were written, and are lifted one version at a time when read.
 */
export class Upcasters {
  readonly #steps = new Map<string, Map<number, Upcaster>>()
  readonly #current = new Map<string, number>()

  /** Registers the step that lifts `type@fromVersion` to `type@fromVersion+1`. */
  register(type: string, fromVersion: number, step: Upcaster): this {
    if (!Number.isInteger(fromVersion) || fromVersion < 1) {
      throw new SyncKitError('E_SYNC_INVALID_OPTION', `upcaster for ${type}: bad version`, {
        context: { eventType: type, schemaVersion: fromVersion },
      })
    }
    const steps = this.#steps.get(type) ?? new Map<number, Upcaster>()
    steps.set(fromVersion, step)
    this.#steps.set(type, steps)
    return this
  }

  /** Declares the version handlers of `type` are written for (without it: 1 + the highest step). */
  declareCurrent(type: string, version: number): this {
    this.#current.set(type, version)
    return this
  }

  /** The version events of `type` are lifted to. */
  currentVersion(type: string): number {
    const declared = this.#current.get(type)
    if (declared !== undefined) return declared
    const steps = this.#steps.get(type)
    return steps === undefined || steps.size === 0 ? 1 : Math.max(...steps.keys()) + 1
  }

  /**
   * Lifts `event` to the current version of its type. A version above the current one, or a
   * missing step, throws `E_SYNC_UNKNOWN_EVENT`; a step that throws or returns `undefined`
   * throws `E_SYNC_UPCAST_FAILED`. The input is never mutated.
   */
  upcast(event: EventEnvelope): EventEnvelope {
    const target = this.currentVersion(event.type)
    const context = { eventId: event.id, eventType: event.type, schemaVersion: event.schemaVersion }
    if (event.schemaVersion > target) {
      throw new SyncKitError(
        'E_SYNC_UNKNOWN_EVENT',
        `${event.type}@${event.schemaVersion} is newer than the known version ${target}`,
        { context },
      )
    }
    let current = event
    while (current.schemaVersion < target) current = this.#step(current, context)
    return current
  }

  #step(event: EventEnvelope, context: { eventId: string; eventType: string }): EventEnvelope {
    const step = this.#steps.get(event.type)?.get(event.schemaVersion)
    if (step === undefined) {
      throw new SyncKitError(
        'E_SYNC_UNKNOWN_EVENT',
        `no upcaster lifts ${event.type}@${event.schemaVersion} to version ${event.schemaVersion + 1}`,
        { context: { ...context, schemaVersion: event.schemaVersion } },
      )
    }
    let payload: JsonValue
    try {
      payload = step(event.payload, event)
    } catch (err) {
      throw new SyncKitError(
        'E_SYNC_UPCAST_FAILED',
        `upcaster ${event.type}@${event.schemaVersion} threw: ${describeError(err)}`,
        { context: { ...context, schemaVersion: event.schemaVersion }, cause: err },
      )
    }
    if (payload === undefined) {
      throw new SyncKitError(
        'E_SYNC_UPCAST_FAILED',
        `upcaster ${event.type}@${event.schemaVersion} returned no payload`,
        { context: { ...context, schemaVersion: event.schemaVersion } },
      )
    }
    return { ...event, schemaVersion: event.schemaVersion + 1, payload }
  }
}

/** Builds an {@link Upcasters} registry from a plain definition object. */
export function createUpcasters(definitions: UpcasterDefinitions = {}): Upcasters {
  const registry = new Upcasters()
  for (const [type, def] of Object.entries(definitions)) {
    for (const [from, step] of Object.entries(def.steps ?? {})) {
      registry.register(type, Number(from), step)
    }
    if (def.current !== undefined) registry.declareCurrent(type, def.current)
  }
  return registry
}
