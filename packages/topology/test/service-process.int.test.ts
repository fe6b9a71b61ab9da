import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import {
  createSupervisor,
  isTopologyError,
  type Supervisor,
  type SupervisorEvent,
} from '../src/index.js'
import { alive, call, echoService, makeRunDir, removeRunDir, waitFor } from './helpers.js'

const runDir = makeRunDir()
const supervisors: Supervisor[] = []
const events: SupervisorEvent[] = []
afterAll(async () => {
  await Promise.all(supervisors.map((s) => s.stop()))
  if (process.env.KEEP_RUN_DIR === undefined) removeRunDir(runDir)
})

async function startEcho(config: Record<string, unknown>, name = 'echo') {
  const supervisor = createSupervisor({
    runDir,
    services: [echoService({ name, config })],
    onEvent: (event) => events.push(event),
  })
  supervisors.push(supervisor)
  await supervisor.start()
  const instance = supervisor.service(name).instances()[0]
  if (instance?.url === undefined || instance.pid === undefined) throw new Error('not started')
  return { supervisor, instance, url: instance.url, pid: instance.pid }
}

/** Waits until `pid` has exited and returns its exit code, as the supervisor saw it. */
async function exitOf(pid: number): Promise<number | null> {
  await waitFor(`pid ${pid} to exit`, () => !alive(pid), 60_000)
  let exit: SupervisorEvent | undefined
  await waitFor(`the exit event of ${pid}`, () => {
    exit = events.find((e) => e.type === 'instance:exited' && e.pid === pid)
    return exit !== undefined
  })
  return exit?.type === 'instance:exited' ? exit.code : null
}

describe('service process', () => {
  test('a bad FAULTLINE_SERVICE_CONFIG exits 78 naming every problem', async () => {
    const config = JSON.stringify({ service: 'echo', instance: 'echo-1', port: 'x', hookDelay: 5 })
    const child = spawn(
      process.execPath,
      ['--conditions=@faultline/source', '--import', 'tsx', echoService().entry],
      {
        env: { ...process.env, FAULTLINE_SERVICE_CONFIG: config },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    expect(code).toBe(78)
    expect(stderr).toContain('FAULTLINE_SERVICE_CONFIG is invalid')
    expect(stderr).toContain('/port must be integer')
    expect(stderr).toContain('/hookDelay is not a known setting')
  })

  test('the supervisor waits for /readyz: an instance whose check fails never counts as started', async () => {
    const supervisor = createSupervisor({
      runDir,
      services: [echoService({ name: 'gated', config: { ready: false }, readyTimeoutMs: 20_000 })],
    })
    supervisors.push(supervisor)
    const error: unknown = await supervisor.start().catch((e: unknown) => e)
    expect(isTopologyError(error) && error.code).toBe('E_TOPOLOGY_STARTUP_TIMEOUT')
    expect((error as Error).message).toMatch(/gated-1 did not answer 200 on .*\/readyz in time/)
    expect((error as Error).message).toContain('supervisor: starting gated-1')
  })

  test('/readyz follows the readiness check at run time', async () => {
    const { url } = await startEcho({}, 'gate-flip')
    expect((await call(url, '/readyz')).status).toBe(200)
    await call(url, '/gate', { method: 'POST', body: { ready: false } })
    const closed = await call(url, '/readyz')
    expect(closed).toMatchObject({ status: 503, body: { checks: { gate: { ready: false } } } })
    await call(url, '/gate', { method: 'POST', body: { ready: true } })
    expect((await call(url, '/readyz')).status).toBe(200)
  })

  test('validation over the wire: 400 naming the field', async () => {
    const { url } = await startEcho({}, 'validate')
    const bad = await call(url, '/items', { method: 'POST', body: { name: 'a', price: 'cheap' } })
    expect(bad).toMatchObject({ status: 400, body: { message: 'body/price must be number' } })
    const unknown = await call(url, '/items/3?x=1')
    expect(unknown).toMatchObject({
      status: 400,
      body: { message: 'querystring/x is not allowed' },
    })
    const boom = await call(url, '/boom')
    expect(boom.status).toBe(500)
    expect(JSON.stringify(boom.body)).not.toContain('hunter2')
  })

  test('SIGTERM drains an in-flight slow request, then runs the hooks in order, then exits 0', async () => {
    const hookLog = join(runDir, 'hooks-drain.log')
    const { url, pid } = await startEcho({ hookLog }, 'drain')
    const slow = call(url, '/slow?ms=1500')
    await waitFor('the slow request to be in flight', async () => {
      return (await call(url, '/inflight')).body.slow === 1
    })
    process.kill(pid, 'SIGTERM')
    const answered = await slow
    const answeredAt = Date.now()
    expect(answered).toMatchObject({ status: 200, body: { sleptMs: 1500 } })
    expect(await exitOf(pid)).toBe(0)
    const lines = readFileSync(hookLog, 'utf8').trim().split('\n')
    expect(lines.map((l) => l.split(' ')[0])).toEqual(['first', 'second'])
    // The hooks ran after the response was sent (with a little slack for clock reads).
    expect(Number(lines[0]?.split(' ')[1])).toBeGreaterThanOrEqual(answeredAt - 50)
    const log = readFileSync(join(runDir, 'logs', 'drain-1.log'), 'utf8')
    expect(log).toContain('"msg":"shutdown: done"')
  })

  test('a shutdown that outlives its bound is cut short with exit code 1', async () => {
    const { pid } = await startEcho({ hookDelayMs: 120_000, shutdownTimeoutMs: 1_500 }, 'bound')
    const started = Date.now()
    process.kill(pid, 'SIGTERM')
    expect(await exitOf(pid)).toBe(1)
    const took = Date.now() - started
    expect(took).toBeGreaterThanOrEqual(1_400)
    expect(took).toBeLessThan(20_000)
    const log = readFileSync(join(runDir, 'logs', 'bound-1.log'), 'utf8')
    expect(log).toContain('shutdown: bound passed, exiting now')
  })

  test('a second SIGTERM exits at once', async () => {
    const { pid } = await startEcho({ hookDelayMs: 120_000 }, 'twice')
    const logFile = join(runDir, 'logs', 'twice-1.log')
    process.kill(pid, 'SIGTERM')
    await waitFor('the first SIGTERM to be handled', () =>
      readFileSync(logFile, 'utf8').includes('shutdown: started'),
    )
    process.kill(pid, 'SIGTERM')
    expect(await exitOf(pid)).toBe(1)
    expect(readFileSync(logFile, 'utf8')).toContain('shutdown: asked again, exiting now')
  })
})
