import { sleep, now } from '../chunk.js'
import { attr, type StageFactory } from './stage.js'

/**
 * Holds each chunk `latencyMs ± jitterMs` past its timestamp. Counting from the timestamp rather
 * than from "now" keeps queued chunks from stacking delays, as Toxiproxy does; the emitted chunk
 * carries its release time so a second latency toxic adds on top.
 */
export const latency: StageFactory = (attributes, ctx) => {
  const base = attr(attributes, 'latencyMs')
  const jitter = attr(attributes, 'jitterMs')
  return {
    async process(chunk, next) {
      const delay = Math.max(0, base + (ctx.random() * 2 - 1) * jitter)
      const due = chunk.timestamp + delay
      await sleep(due - now(), ctx.signal)
      await next({ data: chunk.data, timestamp: Math.max(due, chunk.timestamp) })
    },
  }
}
