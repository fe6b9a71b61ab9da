import { spawn, spawnSync } from 'node:child_process'
import { closeSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { connect } from 'node:net'
import { signalGroup, trackProcessGroup, untrackProcessGroup } from '@faultline/infra'
import { TopologyError } from '../../errors.js'
import { tailLog } from '../../supervisor/log-tail.js'
import type { ResolvedLbOptions } from '../options.js'
import { childPids, freePort, isLive, waitUntil } from '../proc.js'
import { SerialQueue } from '../serial-queue.js'
import type { Backend, LoadBalancer } from '../types.js'
import { nginxConfig, nginxPaths, type NginxPaths } from './nginx-config.js'

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    socket.once('connect', () => (socket.destroy(), resolve(true)))
    socket.once('error', () => resolve(false))
  })
}

/**
 * nginx in front of the instances: our own master process (not the system's nginx) in the
 * foreground, its files in the run's dir, in its own process group that the infra watchdog
 * kills if we die. A change of backends rewrites the config, checks it with `nginx -t`, and
 * reloads with SIGHUP: new workers take new connections while the old ones finish their
 * in-flight requests, so no request is dropped.
 */
export class NginxBalancer implements LoadBalancer {
  readonly provider = 'nginx' as const
  private readonly queue = new SerialQueue()
  private current: readonly Backend[]
  private exited = false

  private constructor(
    private readonly binary: string,
    private readonly paths: NginxPaths,
    private readonly options: ResolvedLbOptions,
    private readonly port: number,
    private readonly master: number,
    backends: readonly Backend[],
  ) {
    this.current = backends
  }

  get url(): string {
    return `${this.options.tls?.server === undefined ? 'http' : 'https'}://${this.options.host}:${this.port}`
  }

  /** Starts nginx; a port taken between choosing and binding it is retried on another. */
  static async start(binary: string, options: ResolvedLbOptions): Promise<NginxBalancer> {
    const paths = nginxPaths(join(options.runDir, 'lb-nginx'))
    mkdirSync(paths.temp, { recursive: true })
    for (let attempt = 1; ; attempt++) {
      const port = options.port === 0 ? await freePort(options.host) : options.port
      try {
        return await NginxBalancer.launch(binary, paths, options, port)
      } catch (error) {
        const taken = /Address already in use/.test(String((error as Error).message))
        if (!taken || options.port !== 0 || attempt >= 4) throw error
      }
    }
  }

  private static async launch(
    binary: string,
    paths: NginxPaths,
    options: ResolvedLbOptions,
    port: number,
  ): Promise<NginxBalancer> {
    writeConfig(binary, paths, nginxConfig(paths, options.backends, options, port))
    const out = openSync(join(paths.dir, 'nginx.out'), 'a')
    const child = spawn(binary, ['-p', `${paths.dir}/`, '-c', paths.conf, '-e', paths.errorLog], {
      stdio: ['ignore', out, out],
      detached: true,
    })
    closeSync(out)
    child.unref()
    if (child.pid === undefined) throw lbError('nginx did not start', paths)
    trackProcessGroup(child.pid)
    const balancer = new NginxBalancer(binary, paths, options, port, child.pid, options.backends)
    child.once('exit', () => ((balancer.exited = true), untrackProcessGroup(child.pid ?? 0)))
    const up = await waitUntil(
      async () => balancer.exited || (await accepts(options.host, port)),
      15_000,
    )
    if (!up || balancer.exited) {
      signalGroup(child.pid, 'SIGKILL')
      throw await lbFailure(`nginx did not start listening on ${options.host}:${port}`, paths)
    }
    return balancer
  }

  backends(): readonly Backend[] {
    return this.current
  }

  setBackends(backends: readonly Backend[]): Promise<void> {
    return this.queue.run(() => this.reload([...backends]))
  }

  private async reload(backends: Backend[]): Promise<void> {
    if (this.exited) throw await lbFailure('nginx is not running', this.paths)
    if (sameBackends(backends, this.current)) return
    const before = childPids(this.master)
    writeConfig(this.binary, this.paths, nginxConfig(this.paths, backends, this.options, this.port))
    process.kill(this.master, 'SIGHUP')
    const fresh = () => childPids(this.master).some((pid) => !before.includes(pid))
    if (!(await waitUntil(fresh, 15_000)))
      throw await lbFailure('nginx did not start workers with the new config', this.paths)
    this.current = backends
    // Resolved only when the old workers, which may still hold requests to removed backends,
    // have finished them and exited.
    const drained = () => before.every((pid) => !isLive(pid))
    if (!(await waitUntil(drained, this.options.drainTimeoutMs + 5_000)))
      throw await lbFailure('old nginx workers did not exit after the reload', this.paths)
  }

  async stop(): Promise<void> {
    await this.queue.run(async () => {
      if (this.exited) return
      // SIGQUIT is nginx's graceful stop: workers finish their requests first.
      process.kill(this.master, 'SIGQUIT')
      if (!(await waitUntil(() => this.exited, this.options.drainTimeoutMs + 5_000)))
        signalGroup(this.master, 'SIGKILL')
      await waitUntil(() => this.exited, 5_000)
    })
  }
}

function sameBackends(a: readonly Backend[], b: readonly Backend[]): boolean {
  const key = (list: readonly Backend[]) => list.map((x) => `${x.id} ${x.url}`).join('\n')
  return key(a) === key(b)
}

function writeConfig(binary: string, paths: NginxPaths, text: string): void {
  const next = `${paths.conf}.next`
  writeFileSync(next, text)
  const test = spawnSync(binary, ['-t', '-p', `${paths.dir}/`, '-c', next, '-e', paths.errorLog], {
    encoding: 'utf8',
  })
  if (test.status !== 0)
    throw new TopologyError(
      'E_TOPOLOGY_LB_FAILED',
      `nginx refused the generated config ${next}: ${test.stderr.trim()}`,
      { context: { provider: 'nginx' } },
    )
  renameSync(next, paths.conf)
}

function lbError(message: string, paths: NginxPaths, logTail?: string): TopologyError {
  const tail = logTail === undefined ? '' : `. Last lines of ${paths.errorLog}:\n${logTail}`
  return new TopologyError('E_TOPOLOGY_LB_FAILED', `${message}${tail}`, {
    context: { provider: 'nginx', ...(logTail === undefined ? {} : { logTail }) },
  })
}

async function lbFailure(message: string, paths: NginxPaths): Promise<TopologyError> {
  return lbError(message, paths, await tailLog(paths.errorLog, 20))
}
