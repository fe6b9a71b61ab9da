import { InfraError } from '../errors.js'
import { resolveToxic } from './validate.js'
import type { ToxicInfo, ToxicUpdate } from './types.js'

/** The proxy's toxics by name, in the order they were added (which is the order they act). */
export class ToxicSet {
  readonly #byName = new Map<string, ToxicInfo>()

  list(): ToxicInfo[] {
    return [...this.#byName.values()]
  }

  get(name: string): ToxicInfo {
    const toxic = this.#byName.get(name)
    if (toxic === undefined) {
      throw new InfraError('E_INFRA_PROXY', `No toxic named "${name}" on this fault proxy.`, {
        context: { toxic: name },
      })
    }
    return toxic
  }

  add(toxic: ToxicInfo): void {
    if (this.#byName.has(toxic.name)) {
      throw new InfraError('E_INFRA_PROXY', `A toxic named "${toxic.name}" already exists.`, {
        context: { toxic: toxic.name },
      })
    }
    this.#byName.set(toxic.name, toxic)
  }

  /** Merges new values over the old ones (validated as a whole) and stores the result. */
  update(name: string, update: ToxicUpdate): ToxicInfo {
    const old = this.get(name)
    const merged = { ...old.attributes, ...(update.attributes ?? {}) }
    // Re-resolving the whole toxic keeps update and add under exactly the same rules.
    const next = resolveToxic({
      ...old,
      toxicity: update.toxicity ?? old.toxicity,
      attributes: merged,
    })
    this.#byName.set(name, next)
    return next
  }

  remove(name: string): ToxicInfo {
    const toxic = this.get(name)
    this.#byName.delete(name)
    return toxic
  }

  clear(): ToxicInfo[] {
    const all = this.list()
    this.#byName.clear()
    return all
  }
}
