import type { Socket } from 'node:net'
import type { Chunk } from './chunk.js'
import type { ChunkQueue } from './chunk-queue.js'
import type { ToxicChain } from './toxic-chain.js'
import type { ToxicStage } from './toxics/stage.js'

/**
 * Moves one direction: chunk by chunk from `queue` through the toxics into `dest`. One chunk is in
 * flight at a time, which keeps byte order and lets a slow toxic or a full socket push back.
 */
export async function pipeDirection(
  queue: ChunkQueue,
  dest: Socket,
  chain: ToxicChain,
): Promise<void> {
  const sink = (chunk: Chunk): Promise<void> => write(dest, chunk.data)
  for (let chunk = await queue.shift(); chunk; chunk = await queue.shift()) {
    await run(chain.stages(), 0, chunk, sink)
    if (dest.destroyed) return
  }
  // Pass a half-close on so request/response peers that read to EOF still work.
  if (!dest.destroyed && !dest.writableEnded) dest.end()
}

function run(
  stages: readonly ToxicStage[],
  index: number,
  chunk: Chunk,
  sink: (chunk: Chunk) => Promise<void>,
): Promise<void> {
  const stage = stages[index]
  if (stage === undefined) return sink(chunk)
  return stage.process(chunk, (next) => run(stages, index + 1, next, sink))
}

async function write(dest: Socket, data: Buffer): Promise<void> {
  if (dest.destroyed || dest.writableEnded || data.length === 0) return
  if (dest.write(data)) return
  await new Promise<void>((resolve) => {
    const done = (): void => {
      dest.off('drain', done)
      dest.off('close', done)
      resolve()
    }
    dest.on('drain', done)
    dest.on('close', done)
  })
}
