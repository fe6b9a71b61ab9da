import { describe, expect, test } from 'vitest'
import { undeclaredIn } from '../src/pack.js'

describe('undeclared imports of a packed file', () => {
  const declared = new Set(['@faultline/common', 'lru-cache'])

  test('finds static, dynamic, type and re-export imports of undeclared packages', () => {
    const text = [
      "import { LRUCache } from 'lru-cache'",
      "import type { Redis } from 'ioredis'",
      "export { parseLsn } from '@faultline/common'",
      "export * from '@faultline/sync-kit/kafka'",
      "const pg = await import('pg')",
    ].join('\n')
    expect(undeclaredIn(declared, text).sort()).toEqual(['@faultline/sync-kit', 'ioredis', 'pg'])
  })

  test('ignores relative imports, builtins, and specifiers inside comments or strings', () => {
    const text = [
      "import { readFile } from 'node:fs'",
      "import { EventEmitter } from 'events'",
      "import { helper } from './helper.js'",
      "// an old version did: import x from 'left-pad'",
      'const message = "copy it from \'a tombstone was lost\'"',
    ].join('\n')
    expect(undeclaredIn(declared, text)).toEqual([])
  })
})
