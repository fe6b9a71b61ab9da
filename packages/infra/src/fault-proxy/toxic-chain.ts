import type { ToxicInfo } from './types.js'
import { STAGES } from './toxics/registry.js'
import { passThrough, type StageContext, type ToxicStage } from './toxics/stage.js'

interface Link {
  readonly name: string
  readonly stage: ToxicStage
  readonly controller: AbortController
}

/** What a chain needs from its connection to build stages. */
export type ConnectionHooks = Omit<StageContext, 'signal'>

/**
 * The toxics on one direction of one connection, in the order they act. Each toxic rolls its
 * toxicity once when it takes hold on the connection (and again when updated), as Toxiproxy does,
 * so a toxic with toxicity 0.5 poisons about half the connections, each for its whole life.
 */
export class ToxicChain {
  readonly #hooks: ConnectionHooks
  #links: Link[] = []

  constructor(hooks: ConnectionHooks) {
    this.#hooks = hooks
  }

  /** Stages to run a chunk through; a snapshot, so changes affect the next chunk. */
  stages(): ToxicStage[] {
    return this.#links.map((link) => link.stage)
  }

  /** Appends a toxic; it acts after the ones already present. */
  add(toxic: ToxicInfo): void {
    this.#links.push(this.#build(toxic))
  }

  /** Restarts a toxic in place with new values; data the old one held is released. */
  replace(toxic: ToxicInfo): void {
    const index = this.#links.findIndex((link) => link.name === toxic.name)
    if (index < 0) return
    this.#links[index]?.controller.abort()
    this.#links[index] = this.#build(toxic)
  }

  /** Drops a toxic; whatever it was holding moves on. */
  remove(name: string): void {
    this.#links.find((link) => link.name === name)?.controller.abort()
    this.#links = this.#links.filter((link) => link.name !== name)
  }

  /** Stops every toxic, so nothing keeps waiting on a dead connection. */
  abortAll(): void {
    for (const link of this.#links) link.controller.abort()
  }

  #build(toxic: ToxicInfo): Link {
    const controller = new AbortController()
    const factory = toxic.type === 'down' ? undefined : STAGES[toxic.type]
    const applies = factory !== undefined && this.#hooks.random() < toxic.toxicity
    const ctx: StageContext = { ...this.#hooks, signal: controller.signal }
    const stage = applies ? factory(toxic.attributes, ctx) : passThrough
    return { name: toxic.name, stage, controller }
  }
}
