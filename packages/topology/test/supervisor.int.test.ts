import { createServer } from 'node:net'
import { afterAll, describe, expect, test } from 'vitest'
import { createSupervisor, type Supervisor, type SupervisorEvent } from '../src/index.js'
import { alive, call, echoService, makeRunDir, removeRunDir, waitFor } from './helpers.js'

const runDir = makeRunDir()
const supervisors: Supervisor[] = []
afterAll(async () => {
  await Promise.all(supervisors.map((s) => s.stop()))
  removeRunDir(runDir)
})

function track(supervisor: Supervisor): Supervisor {
  supervisors.push(supervisor)
  return supervisor
}

async function answers(url: string, timeoutMs: number): Promise<boolean> {
  const timeout = new Promise<false>((resolve) => setTimeout(resolve, timeoutMs, false))
  const answer = call(url, '/whoami').then(
    (r) => r.status === 200,
    () => false,
  )
  return Promise.race([answer, timeout])
}

describe('Supervisor', () => {
  test('start() follows dependency order: a dependent starts only once its dependency is ready', async () => {
    const events: SupervisorEvent[] = []
    const supervisor = track(
      createSupervisor({
        runDir,
        services: [
          echoService({ name: 'front', dependsOn: ['back'] }),
          echoService({ name: 'back', instances: 2 }),
        ],
        onEvent: (e) => events.push(e),
      }),
    )
    await supervisor.start()
    const index = (type: string, instance: string) =>
      events.findIndex((e) => e.type === type && e.instance === instance)
    expect(index('instance:started', 'front-1')).toBeGreaterThan(index('instance:ready', 'back-1'))
    expect(index('instance:started', 'front-1')).toBeGreaterThan(index('instance:ready', 'back-2'))
    expect(supervisor.services().map((g) => g.name)).toEqual(['back', 'front'])
  })

  test('kill() SIGKILLs; without a restart policy the instance stays down', async () => {
    const supervisor = track(createSupervisor({ runDir, services: [echoService({ name: 'k' })] }))
    await supervisor.start()
    const instance = supervisor.service('k').instance(1)
    const pid = instance.pid ?? 0
    await instance.kill()
    expect(alive(pid)).toBe(false)
    await waitFor('the crash to be recorded', () => instance.state === 'crashed')
    expect(instance.pid).toBeUndefined()
  })

  test('pause() stops answering, resume() answers again, restart() comes back on the same URL', async () => {
    const supervisor = track(createSupervisor({ runDir, services: [echoService({ name: 'p' })] }))
    await supervisor.start()
    const instance = supervisor.service('p').instance('p-1')
    const url = instance.url ?? ''
    instance.pause()
    expect(instance.state).toBe('paused')
    expect(await answers(url, 1_000)).toBe(false)
    instance.resume()
    expect(instance.state).toBe('ready')
    await waitFor('the resumed instance to answer', () => answers(url, 1_000))
    const before = instance.pid
    await instance.restart()
    expect(instance.pid).not.toBe(before)
    expect(instance.url).toBe(url)
    expect((await call(url, '/whoami')).body.pid).toBe(instance.pid)
  })

  test('on-crash policy: restarts with doubling backoff, then gives up past maxRestarts', async () => {
    const events: SupervisorEvent[] = []
    const supervisor = track(
      createSupervisor({
        runDir,
        services: [
          echoService({
            name: 'c',
            restartPolicy: { restart: 'on-crash', maxRestarts: 2, initialBackoffMs: 300 },
          }),
        ],
        onEvent: (e) => events.push(e),
      }),
    )
    await supervisor.start()
    const instance = supervisor.service('c').instance(1)
    for (const attempt of [1, 2]) {
      const pid = instance.pid
      await instance.kill()
      await waitFor(`restart ${attempt}`, () => instance.state === 'ready' && instance.pid !== pid)
      expect((await call(instance.url ?? '', '/whoami')).body.pid).toBe(instance.pid)
    }
    await instance.kill()
    await waitFor('the instance to be marked failed', () => instance.state === 'failed')
    const delays = events.filter((e) => e.type === 'instance:restarting').map((e) => e.delayMs)
    expect(delays).toEqual([300, 600])
    // The backoff was waited: each restart started at least its delay after the crash.
    const exits = events.filter((e) => e.type === 'instance:exited').map((e) => e.at)
    const starts = events.filter((e) => e.type === 'instance:started').map((e) => e.at)
    expect((starts[1] ?? 0) - (exits[0] ?? 0)).toBeGreaterThanOrEqual(300)
    expect((starts[2] ?? 0) - (exits[1] ?? 0)).toBeGreaterThanOrEqual(600)
    expect(events.at(-1)).toMatchObject({ type: 'instance:failed', instance: 'c-1' })
  })

  test('stop() of an instance that ignores SIGTERM past stopTimeoutMs SIGKILLs it', async () => {
    const supervisor = track(
      createSupervisor({
        runDir,
        services: [
          echoService({
            name: 'stubborn',
            config: { hookDelayMs: 120_000, shutdownTimeoutMs: 120_000 },
            stopTimeoutMs: 1_000,
          }),
        ],
      }),
    )
    await supervisor.start()
    const instance = supervisor.service('stubborn').instance(1)
    const pid = instance.pid ?? 0
    const started = Date.now()
    await instance.stop()
    expect(alive(pid)).toBe(false)
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000)
    expect(instance.state).toBe('stopped')
  })

  test('a restart whose old port was taken meanwhile comes up on another', async () => {
    const supervisor = track(
      createSupervisor({ runDir, services: [echoService({ name: 'port' })] }),
    )
    await supervisor.start()
    const instance = supervisor.service('port').instance(1)
    const old = new URL(instance.url ?? '').port
    await instance.stop()
    const squatter = createServer()
    await new Promise<void>((resolve) => squatter.listen(Number(old), '127.0.0.1', resolve))
    try {
      await instance.start()
      expect(new URL(instance.url ?? '').port).not.toBe(old)
      expect((await call(instance.url ?? '', '/whoami')).status).toBe(200)
    } finally {
      squatter.close()
    }
  })

  test('scale() adds ready instances and removes the newest', async () => {
    const supervisor = track(createSupervisor({ runDir, services: [echoService({ name: 's' })] }))
    await supervisor.start()
    await supervisor.scale('s', 3)
    const grown = supervisor.service('s').instances()
    expect(grown.map((i) => [i.id, i.state])).toEqual([
      ['s-1', 'ready'],
      ['s-2', 'ready'],
      ['s-3', 'ready'],
    ])
    const pids = grown.map((i) => i.pid ?? 0)
    await supervisor.scale('s', 1)
    expect(
      supervisor
        .service('s')
        .instances()
        .map((i) => i.id),
    ).toEqual(['s-1'])
    expect(pids.map(alive)).toEqual([true, false, false])
    expect(() => supervisor.service('nope')).toThrow(/no service "nope"; the services are s/)
  })
})
