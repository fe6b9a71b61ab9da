import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { silentLogger } from '@faultline/common'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  createLoadBalancer,
  createSupervisor,
  type LoadBalancer,
  type Supervisor,
} from '../src/index.js'
import { NodeBalancer } from '../src/lb/node/node-balancer.js'
import { findExecutable } from '../src/lb/proc.js'
import { alive, call, echoService, makeRunDir, removeRunDir, waitFor } from './helpers.js'
import { startStream } from './stream.js'

const hasNginx = findExecutable('nginx') !== undefined
const providers: ('nginx' | 'node')[] = hasNginx ? ['nginx', 'node'] : ['node']
if (!hasNginx)
  console.warn(
    'nginx is not installed (scripts/setup.sh installs it): only the node provider is tested',
  )

/** Sums the slow requests every instance is serving now, asking each instance directly. */
async function slowInFlight(supervisor: Supervisor): Promise<number> {
  const counts = await Promise.all(
    supervisor
      .service('q')
      .instances()
      .filter((i) => i.url !== undefined && i.state === 'ready')
      .map(async (i) => Number((await call(i.url ?? '', '/inflight')).body.slow)),
  )
  return counts.reduce((a, b) => a + b, 0)
}

describe.each(providers)('load balancer (%s) in front of supervised instances', (provider) => {
  let runDir: string
  let lb: LoadBalancer
  let supervisor: Supervisor

  const told: string[] = []
  const logger = {
    ...silentLogger,
    info: (_fields: unknown, message?: string) => told.push(message ?? ''),
  }

  beforeAll(async () => {
    runDir = makeRunDir()
    lb = await createLoadBalancer({ provider, runDir, logger: logger })
    supervisor = createSupervisor({
      runDir,
      services: [echoService({ name: 'q', instances: 3, balancer: lb })],
    })
    await supervisor.start()
  })

  afterAll(async () => {
    await supervisor?.stop()
    await lb?.stop()
    removeRunDir(runDir)
  })

  test('the provider is the one asked for, and requests spread over every instance', async () => {
    expect(lb.provider).toBe(provider)
    expect(told).toEqual([`load balancer: ${provider} (asked for ${provider})`])
    expect(lb.backends().map((b) => b.id)).toEqual(['q-1', 'q-2', 'q-3'])
    const seen = new Set<unknown>()
    for (let i = 0; i < 30; i++) seen.add((await call(lb.url, '/whoami')).body.instance)
    expect([...seen].sort()).toEqual(['q-1', 'q-2', 'q-3'])
  })

  test('validation errors pass through the balancer unchanged', async () => {
    const bad = await call(lb.url, '/items', { method: 'POST', body: { name: 'a', price: 'x' } })
    expect(bad).toMatchObject({ status: 400, body: { message: 'body/price must be number' } })
  })

  test('a reload while requests are in flight drops none of them', async () => {
    const slow = Array.from({ length: 6 }, () => call(lb.url, '/slow?ms=2000'))
    await waitFor('6 slow requests in flight', async () => (await slowInFlight(supervisor)) === 6)
    const [first, ...rest] = lb.backends()
    const reload = lb.setBackends(rest)
    const answers = await Promise.all(slow)
    await reload
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200])
    for (let i = 0; i < 12; i++)
      expect((await call(lb.url, '/whoami')).body.instance).not.toBe(first?.id)
    await supervisor.service('q').sync()
    expect(lb.backends().map((b) => b.id)).toEqual(['q-1', 'q-2', 'q-3'])
  })

  test('scale up: the new instance joins once ready; scale down drains without a failed request', async () => {
    const stream = startStream(lb.url, '/whoami', 2)
    // POSTs are never retried on another instance once sent, so only draining an instance out
    // of the balancer before its SIGTERM keeps them from failing.
    const item = { path: '/items', method: 'POST', body: { name: 'a', price: 1 } } as const
    const posts = startStream(lb.url, item, 2)
    await supervisor.scale('q', 4)
    const joined = stream.samples.length
    await waitFor('q-4 to serve', () =>
      stream.samples.slice(joined).some((s) => s.instance === 'q-4'),
    )
    const slow = Array.from({ length: 8 }, () => call(lb.url, '/slow?ms=1500'))
    await waitFor('8 slow requests in flight', async () => (await slowInFlight(supervisor)) === 8)
    const leaving = supervisor
      .service('q')
      .instances()
      .slice(2)
      .map((i) => i.pid ?? 0)
    await supervisor.scale('q', 2)
    const answers = await Promise.all(slow)
    await Promise.all([stream.stop(), posts.stop()])
    expect(answers.every((a) => a.status === 200)).toBe(true)
    expect(stream.failures()).toEqual([])
    expect(posts.failures()).toEqual([])
    expect(posts.oks()).toBeGreaterThan(0)
    expect(stream.oks()).toBeGreaterThan(0)
    expect(leaving.map(alive)).toEqual([false, false])
    expect(lb.backends().map((b) => b.id)).toEqual(['q-1', 'q-2'])
    await supervisor.scale('q', 3)
  })

  test('restart() under a steady stream: no failed request, and it serves again', async () => {
    const stream = startStream(lb.url, '/whoami', 4)
    await waitFor('the stream to flow', () => stream.oks() >= 40)
    const instance = supervisor.service('q').instance(1)
    const before = instance.pid
    await instance.restart()
    const back = stream.samples.length
    await waitFor('the restarted instance to serve', () =>
      stream.samples.slice(back).some((s) => s.instance === instance.id),
    )
    await stream.stop()
    expect(instance.pid).not.toBe(before)
    expect(stream.failures()).toEqual([])
  })

  test('an instance killed under a steady stream: out of rotation within the bound, no request fails', async () => {
    const stream = startStream(lb.url, '/whoami', 4)
    await waitFor('the stream to flow', () => stream.oks() >= 40)
    const victim = supervisor.service('q').instances()[1]
    const killedAt = Date.now()
    await victim?.kill()
    await waitFor('the killed instance to leave the balancer', () =>
      lb.backends().every((b) => b.id !== victim?.id),
    )
    const detectionMs = Date.now() - killedAt
    const after = stream.oks()
    await waitFor('200 more answers', () => stream.oks() >= after + 200)
    await stream.stop()
    console.info(
      `[${provider}] killed instance out of rotation after ${detectionMs} ms; ${stream.samples.length} requests, ${stream.failures().length} failed`,
    )
    expect(stream.failures()).toEqual([])
    expect(detectionMs).toBeLessThan(10_000)
    expect(
      stream.samples.filter((s) => s.at > killedAt + detectionMs && s.instance === victim?.id),
    ).toEqual([])
  })
})

describe.each(providers)('load balancer (%s) on its own', (provider) => {
  let runDir: string
  let supervisor: Supervisor
  let lb: LoadBalancer

  beforeAll(async () => {
    runDir = makeRunDir()
    supervisor = createSupervisor({ runDir, services: [echoService({ name: 'q', instances: 2 })] })
    await supervisor.start()
    const backends = supervisor
      .service('q')
      .instances()
      .map((i) => ({ id: i.id, url: i.url ?? '' }))
    lb = await createLoadBalancer({ provider, runDir, backends, failTimeoutMs: 2_000 })
  })

  afterAll(async () => {
    await lb?.stop()
    await supervisor?.stop()
    removeRunDir(runDir)
  })

  test('its own health checks route around a dead backend nobody removed', async () => {
    const stream = startStream(lb.url, '/whoami', 4)
    await waitFor('the stream to flow', () => stream.oks() >= 40)
    const victim = supervisor.service('q').instance(2)
    const port = new URL(victim.url ?? '').port
    const killedAt = Date.now()
    await victim.kill()
    if (lb instanceof NodeBalancer) {
      const ejected = () =>
        lb instanceof NodeBalancer && lb.health().some((h) => h.id === victim.id && !h.available)
      await waitFor('the node proxy to eject the dead backend', ejected, 10_000)
      console.info(`[node] dead backend ejected ${Date.now() - killedAt} ms after the kill`)
    }
    const from = stream.samples.length
    await waitFor('400 answers after the kill', () => stream.samples.length >= from + 400)
    await stream.stop()
    const sent = stream.samples.length - from
    expect(stream.failures()).toEqual([])
    expect(lb.backends()).toHaveLength(2)
    // Without health checks, every other request would try the dead backend first.
    const attempts =
      provider === 'nginx'
        ? readFileSync(join(runDir, 'lb-nginx', 'error.log'), 'utf8')
            .split('\n')
            .filter((l) => l.includes('[error]') && l.includes(`:${port}/`)).length
        : undefined
    console.info(
      `[${provider}] ${sent} requests after the kill; ${attempts ?? 'n/a'} reached the dead backend`,
    )
    if (attempts !== undefined) expect(attempts).toBeLessThan(sent / 10)
  })
})
