import { sleep } from '../chunk.js'
import { attr, type StageFactory } from './stage.js'

/** Cuts chunks into `averageSize ± sizeVariation` byte pieces, pausing `delayUs` between them. */
export const slicer: StageFactory = (attributes, ctx) => {
  const average = attr(attributes, 'averageSize')
  const variation = attr(attributes, 'sizeVariation')
  const delayMs = attr(attributes, 'delayUs') / 1000
  const pieceSize = (): number =>
    Math.max(1, Math.round(average + (ctx.random() * 2 - 1) * variation))
  return {
    async process(chunk, next) {
      let offset = 0
      while (offset < chunk.data.length) {
        const end = Math.min(chunk.data.length, offset + pieceSize())
        await next({ data: chunk.data.subarray(offset, end), timestamp: chunk.timestamp })
        offset = end
        if (offset < chunk.data.length) await sleep(delayMs, ctx.signal)
      }
    },
  }
}
