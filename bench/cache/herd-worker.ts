/**
 * One node of the hot-key herd: builds a system from the parent's `init` message, then for each
 * `herd` message fires `callers` concurrent reads of one cold key at the agreed instant and reports
 * how many times its loader ran. Run by herd.ts as a child process with an IPC channel.
 */
import { sleep } from './harness.js'
import { createSystem, type Product, type SystemName, type SystemUnderTest } from './systems.js'

type Message =
  | { type: 'init'; system: SystemName; redisUrl: string; prefix: string }
  | { type: 'herd'; key: string; at: number; callers: number; loaderMs: number }
  | { type: 'close' }

let sut: SystemUnderTest | undefined

function send(message: unknown): void {
  process.send?.(message)
}

async function herd(m: Extract<Message, { type: 'herd' }>): Promise<void> {
  if (sut === undefined) throw new Error('herd before init')
  let loads = 0
  const load = async (): Promise<Product> => {
    loads += 1
    await sleep(m.loaderMs)
    return { id: m.key, name: 'herd', price: 1, version: 1, tags: [], updatedAt: '' }
  }
  await sleep(Math.max(0, m.at - Date.now()))
  const results = await Promise.allSettled(
    Array.from({ length: m.callers }, () => sut!.get(m.key, load)),
  )
  const errors = results.filter((r) => r.status === 'rejected').length
  send({ type: 'herd-done', loads, errors })
}

process.on('message', (raw) => {
  const m = raw as Message
  const task = (async () => {
    switch (m.type) {
      case 'init':
        sut = await createSystem(m.system, {
          redisUrl: m.redisUrl,
          prefix: m.prefix,
          l1Size: 1_000,
          ttlMs: 60_000,
        })
        send({ type: 'ready' })
        return
      case 'herd':
        return herd(m)
      case 'close':
        await sut?.close()
        process.exit(0)
    }
  })()
  task.catch((error: unknown) => {
    send({ type: 'failed', error: String(error) })
    process.exit(1)
  })
})
