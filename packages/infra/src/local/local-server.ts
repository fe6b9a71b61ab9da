import type { ProviderName, ServiceHandle } from '../types.js'
import { removeTrackedDir } from './cleanup.js'
import type { ServerProcess } from './server-process.js'

/** What a {@link LocalServer} needs to know about the process it manages. */
export interface LocalServerConfig {
  readonly service: string
  readonly host: string
  readonly port: number
  readonly url: string
  readonly process: ServerProcess
  readonly isReady: () => Promise<boolean>
  /** @default 60000 */
  readonly startTimeoutMs?: number
  /** Signal for an orderly shutdown (Postgres: SIGINT is its "fast" mode). @default 'SIGTERM' */
  readonly stopSignal?: NodeJS.Signals
  /** Dirs removed by `stop()`. */
  readonly dirs: readonly string[]
}

/** A {@link ServiceHandle} over one local server process. */
export class LocalServer implements ServiceHandle {
  readonly provider: ProviderName = 'local'
  readonly service: string
  readonly host: string
  readonly port: number
  readonly url: string
  private stopped = false

  constructor(private readonly config: LocalServerConfig) {
    this.service = config.service
    this.host = config.host
    this.port = config.port
    this.url = config.url
  }

  /** Starts the process and waits until it answers. */
  async start(): Promise<void> {
    this.config.process.start()
    await this.config.process.waitUntilReady(this.config.isReady, {
      timeoutMs: this.config.startTimeoutMs ?? 60_000,
      port: this.port,
    })
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    await this.config.process.stop(this.config.stopSignal ?? 'SIGTERM')
    for (const dir of this.config.dirs) removeTrackedDir(dir)
  }

  kill(): Promise<void> {
    return this.config.process.kill()
  }

  pause(): Promise<void> {
    this.config.process.pause()
    return Promise.resolve()
  }

  resume(): Promise<void> {
    this.config.process.resume()
    return Promise.resolve()
  }

  async restart(): Promise<void> {
    await this.config.process.stop(this.config.stopSignal ?? 'SIGTERM')
    await this.start()
  }

  logs(lines?: number): Promise<string> {
    return this.config.process.logs(lines)
  }
}
