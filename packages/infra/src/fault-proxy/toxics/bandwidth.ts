import { now, sleep } from '../chunk.js'
import { attr, type StageFactory } from './stage.js'

/** Longest stretch one piece may represent, so a slow rate still trickles instead of bursting. */
const SLICE_MS = 100
/**
 * How far the timeline may fall behind the clock before it is pulled forward. Late timers are
 * made up for (the next piece goes out sooner), but a destination that pushed back for seconds
 * must not be followed by seconds' worth of data at full speed.
 */
const MAX_CATCH_UP_MS = 1_000

/**
 * Releases bytes on a virtual timeline at `rateKBps` (1 KB = 1000 bytes, so the rate is also bytes
 * per millisecond). The timeline starts when a chunk arrives and advances by each piece's share,
 * so a timer that fires late shortens the next wait instead of slowing the stream: a busy machine
 * still gets the rate it asked for, as Toxiproxy carries a sleep's error into the next one.
 */
export const bandwidth: StageFactory = (attributes, ctx) => {
  const bytesPerMs = attr(attributes, 'rateKBps')
  const sliceBytes = Math.max(1, Math.floor(bytesPerMs * SLICE_MS))
  let timeline = Number.NEGATIVE_INFINITY
  return {
    async process(chunk, next) {
      timeline = Math.max(timeline, chunk.timestamp)
      for (let offset = 0; offset < chunk.data.length; offset += sliceBytes) {
        const piece = chunk.data.subarray(offset, offset + sliceBytes)
        timeline = Math.max(timeline, now() - MAX_CATCH_UP_MS) + piece.length / bytesPerMs
        await sleep(timeline - now(), ctx.signal)
        await next({ data: piece, timestamp: chunk.timestamp })
      }
    },
  }
}
