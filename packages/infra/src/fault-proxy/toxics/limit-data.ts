import { attr, type StageFactory } from './stage.js'

/** Passes at most `bytes` bytes in its direction, then closes the connection. */
export const limitData: StageFactory = (attributes, ctx) => {
  const limit = attr(attributes, 'bytes')
  let passed = 0
  return {
    async process(chunk, next) {
      const allowed = Math.max(0, Math.min(chunk.data.length, limit - passed))
      if (allowed > 0) {
        passed += allowed
        await next({ data: chunk.data.subarray(0, allowed), timestamp: chunk.timestamp })
      }
      if (passed >= limit) ctx.close()
    },
  }
}
