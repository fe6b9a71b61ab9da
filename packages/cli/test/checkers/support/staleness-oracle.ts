import type { HistoryEvent, InvokeEvent } from '../../../src/history/events.js'

interface Write {
  readonly key: string
  readonly ackTime: number
  readonly version: number
  readonly isDelete: boolean
  readonly token: string
}

const valueOf = (v: unknown, name: string): unknown =>
  (v as Record<string, unknown> | undefined)?.[name]

/**
 * The staleness rule computed the slow, obvious way (every read against every write, O(n²)), to
 * check the checker's sorted, prefix-maximum index against. Returns the ids of stale reads.
 */
export function staleReadIds(events: readonly HistoryEvent[], windowUs: number): Set<number> {
  const invokes = new Map<number, InvokeEvent>()
  const writes: Write[] = []
  const deletes: { key: string; invokeTime: number; version: number }[] = []
  const reads: {
    id: number
    key: string
    invokeTime: number
    completeTime: number
    version: number | null
    token?: string
  }[] = []
  for (const e of events) {
    if (e.type === 'invoke') invokes.set(e.id, e)
    if (e.type !== 'ok' && e.type !== 'info' && e.type !== 'fail') continue
    const inv = invokes.get(e.id)!
    invokes.delete(e.id)
    if (e.type === 'fail') continue
    const key = inv.key!
    if (inv.op === 'read-product' && e.type === 'ok') {
      const token = valueOf(inv.value, 'token') as string | undefined
      reads.push({
        id: e.id,
        key,
        invokeTime: inv.time,
        completeTime: e.time,
        version: valueOf(e.value, 'version') as number | null,
        token,
      })
    } else if (inv.op !== 'read-product') {
      const isDelete = inv.op === 'delete-product'
      const version = e.type === 'ok' ? (valueOf(e.value, 'version') as number) : Infinity
      if (e.type === 'ok')
        writes.push({
          key,
          ackTime: e.time,
          version,
          isDelete,
          token: valueOf(e.value, 'token') as string,
        })
      if (isDelete) deletes.push({ key, invokeTime: inv.time, version })
    }
  }
  for (const inv of invokes.values()) {
    if (inv.op === 'delete-product')
      deletes.push({ key: inv.key!, invokeTime: inv.time, version: Infinity })
  }
  const stale = new Set<number>()
  for (const r of reads) {
    let binding: Write | undefined
    for (const w of writes) {
      const binds = w.key === r.key && (w.ackTime < r.invokeTime - windowUs || w.token === r.token)
      if (binds && (binding === undefined || w.version > binding.version)) binding = w
    }
    if (binding === undefined) continue
    const explained =
      r.version !== null
        ? r.version >= binding.version
        : binding.isDelete ||
          deletes.some(
            (d) => d.key === r.key && d.invokeTime <= r.completeTime && d.version > binding.version,
          )
    if (!explained) stale.add(r.id)
  }
  return stale
}
