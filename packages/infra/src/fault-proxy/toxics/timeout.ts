import { untilAborted } from '../chunk.js'
import { attr, type StageFactory } from './stage.js'

/**
 * Lets nothing through and closes the connection `timeoutMs` after the toxic took hold (0: never).
 * Held data is not dropped: the pipe stops reading, so TCP backpressure reaches the sender, and
 * if the toxic is removed first the data flows on, as with Toxiproxy.
 */
export const timeout: StageFactory = (attributes, ctx) => {
  const ms = attr(attributes, 'timeoutMs')
  if (ms > 0) {
    const timer = setTimeout(() => ctx.close(), ms)
    ctx.signal.addEventListener('abort', () => clearTimeout(timer), { once: true })
  }
  return {
    async process(chunk, next) {
      await untilAborted(ctx.signal)
      await next(chunk)
    },
  }
}
