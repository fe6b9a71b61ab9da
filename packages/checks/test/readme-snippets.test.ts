import { beforeAll, describe, expect, test } from 'vitest'
import { README_SNIPPETS_PENDING } from '../src/packages.js'
import {
  checkSnippets,
  extractSnippets,
  formatSnippetErrors,
  readmeSnippets,
  repoReadmes,
  type SnippetError,
} from '../src/readme-snippets.js'

const readmes = repoReadmes()
const enforced = readmes.filter((entry) => !README_SNIPPETS_PENDING.includes(entry.owner))
const pending = readmes.filter((entry) => README_SNIPPETS_PENDING.includes(entry.owner))

// One program for all enforced snippets: resolving the packages they import is the slow part.
let errors: SnippetError[] = []
beforeAll(() => {
  errors = checkSnippets(readmeSnippets(enforced.map((entry) => entry.readme)))
}, 240_000)

describe('README snippets type-check', () => {
  test.each(enforced.map((entry) => entry.readme))('%s', (readme) => {
    const own = errors.filter((error) => error.readme === readme)
    const advice =
      'Fix the snippet, declare what it relies on in a `<!-- snippet: prelude ... -->` comment ' +
      'before it, or (for a deliberate fragment) put `<!-- snippet: skip -->` before it.'
    expect(own, `${formatSnippetErrors(own)}\n${advice}`).toEqual([])
  })

  test.each(pending.map((entry) => entry.readme))('%s', { todo: true }, () => {
    // Enforced once the README's rework lands (README_SNIPPETS_PENDING in packages/checks).
  })
})

describe('snippet extraction', () => {
  const markdown = [
    '# Title', //                                         1
    '```ts', //                                           2
    'const one: number = 1', //                           3
    '```', //                                             4
    '<!-- snippet: skip -->', //                          5
    '', //                                                6
    '```typescript', //                                   7
    'fragment(', //                                       8
    '```', //                                             9
    '<!-- snippet: prelude', //                           10
    'declare const two: number', //                       11
    '-->', //                                             12
    '', //                                                13
    '```ts', //                                           14
    'const three: string = two', //                       15
    '```', //                                             16
    '```js', //                                           17
    'not typescript', //                                  18
    '```', //                                             19
  ].join('\n')

  test('takes ts blocks, skips marked ones, prepends preludes and maps lines back', () => {
    const snippets = extractSnippets('README.md', markdown)
    expect(snippets.map((snippet) => snippet.line)).toEqual([3, 15])
    expect(snippets[1]?.code).toBe('declare const two: number\nconst three: string = two')
    expect(snippets[1]?.lineMap).toEqual([11, 15])
  })

  test('a type error names the README and its line', () => {
    const snippets = extractSnippets('README.md', markdown)
    const found = checkSnippets(snippets)
    expect(formatSnippetErrors(found)).toMatch(
      /^README\.md:15: TS2322: Type 'number' is not assignable/,
    )
    expect(found).toHaveLength(1)
  }, 60_000)
})
