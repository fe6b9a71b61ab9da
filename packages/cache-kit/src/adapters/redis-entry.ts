import type { StoredEntry } from '../ports.js'

/**
 * The packed form of an entry in Redis: one string, so a hit is one plain `GET` and the entry is
 * serialized once, by the writer. Layout:
 * `version|lsn|freshUntil|refreshAt|graceUntil|negative|tagsJson` + `\n` + payload.
 * `version` comes first so the Lua scripts can read it with one `string.match`. The header ends at
 * the first newline: no field contains one (JSON escapes newlines inside tags).
 */
export function packEntry(entry: StoredEntry): string {
  const tags = entry.tags.length === 0 ? '[]' : JSON.stringify(entry.tags)
  const head = `${entry.version ?? ''}|${entry.lsn ?? ''}|${entry.freshUntil}|${entry.refreshAt}|${entry.graceUntil}`
  return `${head}|${entry.payload === null ? '1' : '0'}|${tags}\n${entry.payload ?? ''}`
}

/** Parses {@link packEntry}'s output; `undefined` for anything else (never a wrong entry). */
export function unpackEntry(packed: string): StoredEntry | undefined {
  const end = packed.indexOf('\n')
  if (end < 0) return undefined
  // Fixed fields by index scanning: a hit is the hot path, and split() would allocate the tags too.
  const fields: string[] = []
  let from = 0
  for (let field = 0; field < 6; field += 1) {
    const bar = packed.indexOf('|', from)
    if (bar < 0 || bar > end) return undefined
    fields.push(packed.slice(from, bar))
    from = bar + 1
  }
  const [version, lsn, fresh, refresh, grace, negative] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ]
  const tags = packed.slice(from, end)
  return {
    payload: negative === '1' ? null : packed.slice(end + 1),
    ...(version !== '' && { version: Number(version) }),
    ...(lsn !== '' && { lsn }),
    freshUntil: Number(fresh),
    refreshAt: Number(refresh),
    graceUntil: Number(grace),
    tags: tags === '[]' ? [] : (JSON.parse(tags) as string[]),
  }
}
