import { now, sleep } from '../chunk.js'
import { attr, type StageFactory } from './stage.js'

/** Longest stretch one piece may represent, so a slow rate still trickles instead of bursting. */
const SLICE_MS = 100

/**
 * Releases bytes on a virtual timeline at `rateKBps` (1 KB = 1000 bytes, so the rate is also bytes
 * per millisecond). Timer overshoot is absorbed because the timeline, not each sleep, sets the pace.
 */
export const bandwidth: StageFactory = (attributes, ctx) => {
  const bytesPerMs = attr(attributes, 'rateKBps')
  const sliceBytes = Math.max(1, Math.floor(bytesPerMs * SLICE_MS))
  let timeline = 0
  return {
    async process(chunk, next) {
      for (let offset = 0; offset < chunk.data.length; offset += sliceBytes) {
        const piece = chunk.data.subarray(offset, offset + sliceBytes)
        timeline = Math.max(timeline, now()) + piece.length / bytesPerMs
        await sleep(timeline - now(), ctx.signal)
        await next({ data: piece, timestamp: chunk.timestamp })
      }
    },
  }
}
