import { sleep } from '../chunk.js'
import { attr, type StageFactory } from './stage.js'

/**
 * On the first chunk that reaches it, waits `timeoutMs` and then resets the client with a TCP RST.
 * The chunk is dropped, as Toxiproxy does, since a reset discards unsent data anyway.
 */
export const resetPeer: StageFactory = (attributes, ctx) => {
  const ms = attr(attributes, 'timeoutMs')
  return {
    async process() {
      await sleep(ms, ctx.signal)
      if (!ctx.signal.aborted) ctx.reset()
    },
  }
}
