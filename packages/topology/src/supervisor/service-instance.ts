import { appendFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Dispatcher } from 'undici'
import { TopologyError, describeThrown } from '../errors.js'
import { SERVICE_CONFIG_ENV } from '../wiring/http/service-config.js'
import { InstanceProcess, type ProcessExit } from './instance-process.js'
import { launchCommand } from './launch.js'
import { tailLog } from './log-tail.js'
import { waitReady } from './ready-probe.js'
import { nextRestartDelay, type ResolvedRestartPolicy } from './restart-policy.js'
import type { InstanceInfo, InstanceState, ServiceDefinition, SupervisorEvent } from './types.js'

/** What an instance needs from its group. */
export interface InstanceContext {
  readonly definition: ServiceDefinition
  readonly policy: ResolvedRestartPolicy
  readonly dispatcher: Dispatcher
  readonly emit: (event: SupervisorEvent) => void
  /** Brings the balancer in line with the instances' states. */
  readonly sync: () => Promise<void>
}

type EventBody = SupervisorEvent extends infer E
  ? E extends SupervisorEvent
    ? Omit<E, 'service' | 'instance' | 'at'>
    : never
  : never

/**
 * One instance of a service: a child process the supervisor starts, probes, stops and, under
 * an `on-crash` policy, restarts after a crash with backoff. `kill()` is a crash as far as the
 * policy goes (it is how faults are injected); `stop()` and `restart()` are not.
 */
export class ServiceInstance {
  readonly service: string
  readonly id: string
  private proc: InstanceProcess | undefined
  private currentUrl: string | undefined
  private port = 0
  private current: InstanceState = 'stopped'
  private expectingExit = false
  private restartTimer: NodeJS.Timeout | undefined
  private readonly restartTimes: number[] = []
  private readonly logFile: string

  constructor(
    private readonly info: InstanceInfo,
    private readonly context: InstanceContext,
  ) {
    this.service = info.service
    this.id = info.id
    this.logFile = join(info.runDir, 'logs', `${info.id}.log`)
  }

  /** The base URL it listens on, once it has started. */
  get url(): string | undefined {
    return this.currentUrl
  }

  /** The pid of its current process. */
  get pid(): number | undefined {
    return this.proc?.alive === true ? this.proc.pid : undefined
  }

  get state(): InstanceState {
    return this.current
  }

  /** Whether a balancer should send it requests (a paused one stays: the balancer must notice). */
  get inRotation(): boolean {
    return (this.current === 'ready' || this.current === 'paused') && this.url !== undefined
  }

  /** The file its stdout and stderr go to. */
  get logPath(): string {
    return this.logFile
  }

  /** The last lines of its log. */
  logs(lines = 30): Promise<string> {
    return tailLog(this.logFile, lines)
  }

  /** Starts it and waits for `/readyz`; on the same port as before when it ran already. */
  async start(): Promise<void> {
    this.current = 'starting'
    try {
      await this.launch(this.port).catch((error: unknown) => {
        // The old port was taken while the instance was down: any free one will do.
        if (this.port === 0 || !/EADDRINUSE/.test(describeThrown(error))) throw error
        return this.launch(0)
      })
    } catch (error) {
      this.current = 'failed'
      throw error
    }
  }

  private async launch(port: number): Promise<void> {
    const definition = this.context.definition
    this.expectingExit = false
    appendFileSync(
      this.logFile,
      `--- ${new Date().toISOString()} supervisor: starting ${this.id}\n`,
    )
    const proc = InstanceProcess.spawn({
      ...launchCommand(definition.entry, definition.execArgv),
      env: { ...process.env, ...this.env(), [SERVICE_CONFIG_ENV]: this.config(port) },
      logFile: this.logFile,
    })
    this.proc = proc
    this.emit({ type: 'instance:started', pid: proc.pid })
    void proc.exited.then((exit) => this.onExit(proc, exit))
    const deadline = Date.now() + (definition.readyTimeoutMs ?? 60_000)
    const url = await proc.waitListening(deadline - Date.now())
    if (url === undefined) throw await this.startupError(proc, 'did not report a listening URL')
    this.currentUrl = url
    this.port = Number(new URL(url).port)
    const stillAlive = () => proc.alive
    const ready = await waitReady(url, {
      dispatcher: this.context.dispatcher,
      deadline,
      stillAlive,
    })
    if (!ready) throw await this.startupError(proc, `did not answer 200 on ${url}/readyz`)
    this.current = 'ready'
    this.emit({ type: 'instance:ready', pid: proc.pid, url })
  }

  private config(port: number): string {
    const own = this.context.definition.config
    const values = typeof own === 'function' ? own(this.info) : (own ?? {})
    return JSON.stringify({ ...values, service: this.service, instance: this.id, port })
  }

  private env(): NodeJS.ProcessEnv {
    const own = this.context.definition.env
    return typeof own === 'function' ? own(this.info) : (own ?? {})
  }

  private async startupError(proc: InstanceProcess, what: string): Promise<TopologyError> {
    const exit = proc.exitStatus
    this.expectingExit = true
    await proc.kill()
    const logTail = await this.logs(30)
    const how = exit === undefined ? `${what} in time` : `exited during startup (${describe(exit)})`
    const code = exit === undefined ? 'E_TOPOLOGY_STARTUP_TIMEOUT' : 'E_TOPOLOGY_STARTUP_FAILED'
    return new TopologyError(
      code,
      `${this.id} ${how}. Last lines of ${this.logFile}:\n${logTail}`,
      {
        context: { service: this.service, instance: this.id, logTail },
        retryable: exit === undefined,
      },
    )
  }

  private onExit(proc: InstanceProcess, exit: ProcessExit): void {
    if (proc !== this.proc) return
    const expected = this.expectingExit
    this.emit({
      type: 'instance:exited',
      pid: proc.pid,
      code: exit.code,
      signal: exit.signal,
      expected,
    })
    const wasServing = ['ready', 'paused', 'draining'].includes(this.current)
    if (!expected && wasServing) void this.onCrash(`exited unasked (${describe(exit)})`)
  }

  private async onCrash(reason: string): Promise<void> {
    this.current = 'crashed'
    await this.context.sync().catch(() => undefined)
    this.restartOrFail(reason)
  }

  private restartOrFail(reason: string): void {
    const now = Date.now()
    const delayMs = nextRestartDelay(this.context.policy, this.restartTimes, now)
    if (delayMs === undefined) {
      this.current = this.context.policy.restart === 'never' ? 'crashed' : 'failed'
      if (this.current === 'failed') this.emit({ type: 'instance:failed', reason })
      return
    }
    this.restartTimes.push(now)
    this.current = 'restarting'
    this.emit({ type: 'instance:restarting', delayMs, attempt: this.restartTimes.length })
    this.restartTimer = setTimeout(() => void this.restartAfterCrash(), delayMs)
    this.restartTimer.unref()
  }

  private async restartAfterCrash(): Promise<void> {
    this.restartTimer = undefined
    try {
      await this.start()
      await this.context.sync()
    } catch (error) {
      if (this.current === 'stopping' || this.current === 'stopped') return
      this.restartOrFail(describeThrown(error).split('\n')[0] ?? 'restart failed')
    }
  }

  /** SIGKILLs it, as a crash would: the restart policy decides what follows. */
  async kill(): Promise<void> {
    await this.proc?.kill()
  }

  /** SIGSTOPs it: it keeps its connections but answers nothing until {@link resume}. */
  pause(): void {
    if (this.proc?.signal('SIGSTOP') === true && this.current === 'ready') this.current = 'paused'
  }

  /** SIGCONTs it after {@link pause}. */
  resume(): void {
    if (this.proc?.signal('SIGCONT') === true && this.current === 'paused') this.current = 'ready'
  }

  /** Takes it out of rotation, stops it gracefully, and starts it again on the same port. */
  async restart(): Promise<void> {
    await this.stop()
    await this.start()
    await this.context.sync()
  }

  /**
   * Takes it out of the balancer (waiting for the requests it serves there), then SIGTERMs it so
   * it drains what it still has, and SIGKILLs it if it has not exited after `stopTimeoutMs`.
   */
  async stop(): Promise<void> {
    clearTimeout(this.restartTimer)
    this.restartTimer = undefined
    if (this.inRotation) {
      this.current = 'draining'
      await this.context.sync()
      this.emit({ type: 'instance:drained' })
    }
    this.current = 'stopping'
    await this.terminate()
    this.current = 'stopped'
  }

  private async terminate(): Promise<void> {
    const proc = this.proc
    if (proc === undefined || !proc.alive) return
    this.expectingExit = true
    proc.signal('SIGCONT')
    proc.signal('SIGTERM')
    const graceMs = this.context.definition.stopTimeoutMs ?? 15_000
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(resolve, graceMs, 'late')))
    const outcome = await Promise.race([proc.exited, late])
    clearTimeout(timer)
    if (outcome === 'late') await proc.kill()
  }

  private emit(body: EventBody): void {
    this.context.emit({ ...body, service: this.service, instance: this.id, at: Date.now() })
  }
}

function describe(exit: ProcessExit): string {
  return exit.signal === null ? `code ${exit.code}` : `signal ${exit.signal}`
}
