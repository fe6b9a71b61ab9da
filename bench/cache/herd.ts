import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { BenchContext } from './context.js'
import type { SystemName } from './systems.js'

/** Loader calls per herd, across both processes. */
export interface HerdResult {
  readonly system: SystemName
  readonly herds: number
  readonly meanLoads: number
  readonly maxLoads: number
  readonly errors: number
}

const root = fileURLToPath(new URL('../..', import.meta.url))
const worker = fileURLToPath(new URL('./herd-worker.ts', import.meta.url))

function spawnNode(): ChildProcess {
  return fork(worker, [], {
    cwd: root,
    execArgv: ['--conditions=@faultline/source', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
}

function next(child: ChildProcess, type: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: Record<string, unknown>) => {
      if (m.type === 'failed') reject(new Error(String(m.error)))
      if (m.type !== type) return
      child.off('message', onMessage)
      resolve(m)
    }
    child.on('message', onMessage)
    child.once('exit', (code) => reject(new Error(`herd worker exited with ${code}`)))
  })
}

/**
 * Two processes share one Redis; each fires `callersPerProcess` concurrent reads of the same cold
 * key at the same instant, with a slow loader. A cache with cross-node single-flight loads once.
 */
export async function hotKeyHerd(ctx: BenchContext, system: SystemName): Promise<HerdResult> {
  const nodes = [spawnNode(), spawnNode()]
  try {
    const prefix = `herd:${system}:${Date.now()}:`
    await Promise.all(
      nodes.map((n) => {
        const ready = next(n, 'ready')
        n.send({ type: 'init', system, redisUrl: ctx.redisUrl, prefix })
        return ready
      }),
    )
    const loads: number[] = []
    let errors = 0
    for (let h = 0; h < ctx.herd.herds; h += 1) {
      const at = Date.now() + 200
      const done = nodes.map((n) => next(n, 'herd-done'))
      for (const n of nodes) {
        n.send({
          type: 'herd',
          key: `hot${h}`,
          at,
          callers: ctx.herd.callersPerProcess,
          loaderMs: ctx.herd.loaderMs,
        })
      }
      const results = await Promise.all(done)
      loads.push(results.reduce((sum, r) => sum + Number(r.loads), 0))
      errors += results.reduce((sum, r) => sum + Number(r.errors), 0)
    }
    return {
      system,
      herds: loads.length,
      meanLoads: loads.reduce((a, b) => a + b, 0) / loads.length,
      maxLoads: Math.max(...loads),
      errors,
    }
  } finally {
    for (const n of nodes) {
      n.removeAllListeners('exit')
      if (n.connected) n.send({ type: 'close' })
      setTimeout(() => n.kill(), 5_000).unref()
    }
  }
}
