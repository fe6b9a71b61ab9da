import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import type { Checker } from '../../src/checkers/checker.js'
import { CheckerError } from '../../src/checkers/errors.js'
import {
  CHECKERS,
  checkerNames,
  getChecker,
  prepareChecks,
  runChecks,
} from '../../src/checkers/registry.js'
import { readHistory } from '../../src/history/read.js'
import { HistoryBuilder } from './support/history.js'

const NAMES = ['staleness', 'herd', 'delivery', 'convergence', 'sagas', 'errorBudget', 'auth']

function thrown(fn: () => unknown): CheckerError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(CheckerError)
    return error as CheckerError
  }
  throw new Error('expected a CheckerError')
}

describe('checker registry', () => {
  test('lists every checker, each with its guarantees, a description and defaults that validate', () => {
    expect(checkerNames()).toEqual(NAMES)
    for (const name of NAMES) {
      const checker = getChecker(name)
      expect(checker.name).toBe(name)
      expect(checker.guarantees.length).toBeGreaterThan(0)
      expect(checker.description.length).toBeGreaterThan(20)
      expect(checker.resolveOptions(checker.defaults)).toEqual(checker.defaults)
    }
  })

  test('an unknown checker is refused with the valid names listed', () => {
    const error = thrown(() => getChecker('stalenes'))
    expect(error.code).toBe('E_CLI_UNKNOWN_CHECKER')
    expect(error.message).toBe(`Unknown checker \`stalenes\`; valid checkers: ${NAMES.join(', ')}.`)
    expect(error.context.valid).toEqual(NAMES)
    expect(thrown(() => prepareChecks(['staleness', { name: 'toString' }])).code).toBe(
      'E_CLI_UNKNOWN_CHECKER',
    )
  })

  test('an unknown option is refused with the valid options listed', () => {
    const error = thrown(() =>
      prepareChecks([{ name: 'staleness', options: { windw: 5 } as never }]),
    )
    expect(error.code).toBe('E_CLI_INVALID_OPTION')
    expect(error.message).toBe(
      'staleness: unknown option `windw`; valid options: maxCounterexamples, windowMs, monotonicReads, tokenCoversAllWrites.',
    )
  })

  test.each([
    [
      'staleness',
      { windowMs: '5s' },
      'staleness: option `windowMs` must be a number >= 0 (milliseconds), got "5s".',
    ],
    [
      'errorBudget',
      { maxErrorRate: 2 },
      'errorBudget: option `maxErrorRate` must be a number >= 0 and <= 1, got 2.',
    ],
    [
      'herd',
      { maxLoadsPerHerd: 1.5 },
      'herd: option `maxLoadsPerHerd` must be an integer >= 1, got 1.5.',
    ],
    [
      'auth',
      { probeOps: 'auth-probe' },
      'auth: option `probeOps` must be an array of strings, got "auth-probe".',
    ],
    [
      'delivery',
      { requireQuiescence: 'yes' },
      'delivery: option `requireQuiescence` must be true or false, got "yes".',
    ],
    [
      'sagas',
      [1],
      'sagas: options must be an object such as { maxCounterexamples: ... }, got [1].',
    ],
  ])('%s with %j is refused naming the option and what it accepts', (name, options, message) => {
    const error = thrown(() => prepareChecks([{ name, options }]))
    expect(error.code).toBe('E_CLI_INVALID_OPTION')
    expect(error.message).toBe(message)
  })

  test('options given are merged over the defaults', () => {
    const [check] = prepareChecks([{ name: 'staleness', options: { windowMs: 5 } }])
    expect(check!.options).toEqual({ ...CHECKERS.staleness.defaults, windowMs: 5 })
  })

  test('runChecks reads an NDJSON history file from disk once for every check, in the order asked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'faultline-checks-'))
    try {
      const h = new HistoryBuilder()
      const w = h.write('p1', 2, 0, 10)
      const r = h.read('p1', 1, 5_000_000, 5_000_010)
      h.op({
        op: 'fuzz',
        at: 20,
        until: 30,
        type: 'fail',
        status: 400,
        input: { route: 'POST /products' },
      })
      h.mark('quiesced', 6_000_000)
      const path = join(dir, 'history.ndjson')
      await writeFile(
        path,
        h
          .events()
          .map((e) => JSON.stringify(e))
          .join('\n') + '\n',
      )
      expect((await readFile(path, 'utf8')).split('\n').length).toBe(8)
      const results = await runChecks(
        ['staleness', { name: 'errorBudget', options: { maxErrorRate: 0.5 } }, 'convergence'],
        readHistory(path),
        { processes: [{ name: 'catalog-query#1', alive: true }] },
      )
      expect(results.map((x) => [x.name, x.verdict])).toEqual([
        ['staleness', 'invalid'],
        ['errorBudget', 'valid'],
        ['convergence', 'unknown'],
      ])
      expect(results[0]!.counterexamples[0]!.historyIds).toEqual([r, w])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('a checker that throws yields unknown with the error, and the other checks still run', async () => {
    const broken: Checker<object> = {
      ...CHECKERS.convergence,
      name: 'broken',
      begin: () => ({
        observe: () => {
          throw new Error('boom on an event')
        },
        finish: () => {
          throw new Error('unreachable')
        },
      }),
    }
    const results = await runChecks(
      [{ checker: broken, options: {} }, 'auth'],
      new HistoryBuilder().mark('run-start', 0).events(),
      {},
    )
    expect(results[0]).toMatchObject({
      name: 'broken',
      verdict: 'unknown',
      summary: 'the checker failed: boom on an event',
    })
    expect(results[1]).toMatchObject({ name: 'auth', verdict: 'unknown' })
  })

  test('the README documents every checker with its guarantee ids and options', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8')
    for (const name of NAMES) {
      const checker = getChecker(name)
      const section = readme.slice(readme.indexOf(`### \`${name}\``))
      expect(section.length, `README section for ${name}`).toBeLessThan(readme.length)
      const body = section.slice(
        0,
        section.indexOf('\n### ', 5) === -1 ? undefined : section.indexOf('\n### ', 5),
      )
      for (const id of checker.guarantees) expect(body).toContain(id)
      for (const option of Object.keys(checker.defaults)) {
        if (option !== 'maxCounterexamples')
          expect(body, `${name} option ${option}`).toContain(`\`${option}\``)
      }
    }
  })
})
