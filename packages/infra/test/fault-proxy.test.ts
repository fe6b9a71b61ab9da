import { afterEach, describe, expect, test } from 'vitest'
import { isInfraError } from '../src/errors.js'
import {
  createFaultProxy,
  type FaultProxy,
  type FaultProxyOptions,
  type ToxicSpec,
} from '../src/fault-proxy/index.js'

const proxies: FaultProxy[] = []

afterEach(async () => {
  for (const proxy of proxies.splice(0)) await proxy.close()
})

/** No upstream is ever dialled here: validation happens before any connection. */
async function proxy(): Promise<FaultProxy> {
  const created = await createFaultProxy({ upstream: '127.0.0.1:9' })
  proxies.push(created)
  return created
}

async function errorOf(run: () => Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await run()
  } catch (error) {
    if (isInfraError(error)) return { code: error.code, message: error.message }
    throw error
  }
  throw new Error('expected an InfraError, got success')
}

const untyped = (spec: Record<string, unknown>): ToxicSpec => spec as unknown as ToxicSpec

describe('createFaultProxy() options', () => {
  test.each([
    '',
    'localhost',
    'localhost:',
    ':80',
    'host:0',
    'host:70000',
    'a b:80',
    'http://x:80',
  ])('rejects upstream %j with E_INFRA_INVALID_OPTION', async (upstream) => {
    const error = await errorOf(() => createFaultProxy({ upstream }))
    expect(error.code).toBe('E_INFRA_INVALID_OPTION')
    expect(error.message).toContain('upstream')
  })

  test('accepts host:port and [v6]:port upstreams', async () => {
    for (const upstream of ['localhost:5432', '[::1]:5432', '10.0.0.1:1']) {
      const created = await createFaultProxy({ upstream })
      proxies.push(created)
      expect(created.upstream).toBe(upstream)
    }
  })

  test('rejects a listenPort outside 0..65535', async () => {
    const error = await errorOf(() => createFaultProxy({ upstream: 'h:1', listenPort: -1 }))
    expect(error).toMatchObject({ code: 'E_INFRA_INVALID_OPTION' })
    expect(error.message).toContain('listenPort')
  })

  test('rejects a missing options object, a non-function random and an empty listenHost', async () => {
    const calls: (() => Promise<unknown>)[] = [
      () => createFaultProxy(undefined as unknown as FaultProxyOptions),
      () => createFaultProxy({ upstream: 'h:1', random: 0.5 as unknown as () => number }),
      () => createFaultProxy({ upstream: 'h:1', listenHost: '' }),
    ]
    for (const call of calls) expect((await errorOf(call)).code).toBe('E_INFRA_INVALID_OPTION')
  })

  test('a busy listenPort fails with E_INFRA_PORT_IN_USE', async () => {
    const first = await proxy()
    const error = await errorOf(() => createFaultProxy({ upstream: 'h:1', listenPort: first.port }))
    expect(error.code).toBe('E_INFRA_PORT_IN_USE')
  })
})

describe('FaultProxy toxic validation', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['unknown type', { type: 'lag', attributes: {} }, 'Unknown toxic type "lag"'],
    ['negative latency', { type: 'latency', attributes: { latencyMs: -5 } }, 'latencyMs is -5'],
    ['missing attribute', { type: 'bandwidth', attributes: {} }, 'rateKBps is missing'],
    ['zero bandwidth', { type: 'bandwidth', attributes: { rateKBps: 0 } }, 'rateKBps is 0'],
    ['NaN attribute', { type: 'timeout', attributes: { timeoutMs: Number.NaN } }, 'timeoutMs'],
    ['typo attribute', { type: 'latency', attributes: { latency: 5 } }, 'no attribute "latency"'],
    ['toxicity above 1', { type: 'latency', toxicity: 1.5, attributes: { latencyMs: 1 } }, '1.5'],
    ['toxicity below 0', { type: 'latency', toxicity: -0.1, attributes: { latencyMs: 1 } }, '-0.1'],
    ['bad stream', { type: 'latency', stream: 'both', attributes: { latencyMs: 1 } }, '"both"'],
    [
      'slicer variation not below size',
      { type: 'slicer', attributes: { averageSize: 10, sizeVariation: 10 } },
      'sizeVariation',
    ],
    ['down with toxicity', { type: 'down', toxicity: 0.5, attributes: {} }, 'toxicity must be 1'],
    ['empty name', { name: '', type: 'latency', attributes: { latencyMs: 1 } }, 'name'],
  ]

  test.each(cases)('addToxic() rejects %s with E_INFRA_INVALID_OPTION', async (_, spec, words) => {
    const created = await proxy()
    const error = await errorOf(() => created.addToxic(untyped(spec)))
    expect(error.code).toBe('E_INFRA_INVALID_OPTION')
    expect(error.message).toContain(words)
    expect(created.toxics()).toEqual([])
  })

  test('addToxic() names a toxic type_stream by default and fills defaults', async () => {
    const created = await proxy()
    const name = await created.addToxic({ type: 'latency', attributes: { latencyMs: 10 } })
    expect(name).toBe('latency_downstream')
    expect(created.toxics()).toEqual([
      {
        name,
        type: 'latency',
        stream: 'downstream',
        toxicity: 1,
        attributes: { latencyMs: 10, jitterMs: 0 },
      },
    ])
  })

  test('a duplicate name fails with E_INFRA_PROXY and keeps the first toxic', async () => {
    const created = await proxy()
    await created.addToxic({ name: 'x', type: 'latency', attributes: { latencyMs: 1 } })
    const error = await errorOf(() =>
      created.addToxic({ name: 'x', type: 'bandwidth', attributes: { rateKBps: 1 } }),
    )
    expect(error.code).toBe('E_INFRA_PROXY')
    expect(error.message).toContain('"x" already exists')
    expect(created.toxics().map((toxic) => toxic.type)).toEqual(['latency'])
  })

  test('updateToxic() merges attributes and validates the result', async () => {
    const created = await proxy()
    const name = await created.addToxic({
      type: 'latency',
      attributes: { latencyMs: 10, jitterMs: 2 },
    })
    const updated = await created.updateToxic(name, { attributes: { latencyMs: 50 } })
    expect(updated.attributes).toEqual({ latencyMs: 50, jitterMs: 2 })
    const error = await errorOf(() => created.updateToxic(name, { toxicity: 2 }))
    expect(error.code).toBe('E_INFRA_INVALID_OPTION')
    expect(created.toxics()[0]?.toxicity).toBe(1)
  })

  test('updateToxic() and removeToxic() of an unknown name fail with E_INFRA_PROXY', async () => {
    const created = await proxy()
    expect((await errorOf(() => created.updateToxic('nope', {}))).code).toBe('E_INFRA_PROXY')
    expect((await errorOf(() => created.removeToxic('nope'))).message).toContain('"nope"')
  })

  test('a closed proxy refuses toxic changes with E_INFRA_CLOSED; close() is idempotent', async () => {
    const created = await createFaultProxy({ upstream: '127.0.0.1:9' })
    await created.close()
    await created.close()
    const error = await errorOf(() =>
      created.addToxic({ type: 'latency', attributes: { latencyMs: 1 } }),
    )
    expect(error).toMatchObject({ code: 'E_INFRA_CLOSED' })
    expect(error.message).toContain('closed')
  })

  test('reset() removes every toxic and brings the proxy up', async () => {
    const created = await proxy()
    await created.addToxic({ type: 'latency', attributes: { latencyMs: 1 } })
    await created.setDown(true)
    await created.reset()
    expect(created.toxics()).toEqual([])
    expect(created.isDown).toBe(false)
  })
})
