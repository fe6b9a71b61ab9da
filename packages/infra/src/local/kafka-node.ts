import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { InfraError } from '../errors.js'
import { removeTrackedDir } from './cleanup.js'
import {
  kafkaJavaArgs,
  kafkaServerProperties,
  newClusterId,
  type KafkaJvmSpec,
} from './kafka-config.js'
import type { KafkaNodeLayout } from './kafka-config.js'
import { runTool } from './kafka-exec.js'
import { kafkaAnswers } from './kafka-ready.js'
import { ServerProcess } from './server-process.js'

/** Everything needed to run one node: where it lives, which ports, which JVM. */
export interface KafkaNodeSpec {
  readonly java: string
  readonly dir: string
  readonly port: number
  readonly controllerPort: number
  readonly jvm: KafkaJvmSpec
  readonly readyTimeoutMs: number
}

/**
 * One combined broker+controller KRaft node in a server dir. The process is a {@link ServerProcess},
 * so faults hit the whole JVM; the data dir survives kill/restart and goes with stop().
 */
export class LocalKafkaNode {
  readonly broker: string
  private readonly process: ServerProcess
  private readonly propertiesFile: string
  private removed = false

  constructor(readonly spec: KafkaNodeSpec) {
    this.broker = `127.0.0.1:${spec.port}`
    this.propertiesFile = join(spec.dir, 'server.properties')
    this.process = new ServerProcess({
      service: 'kafka',
      command: spec.java,
      args: kafkaJavaArgs(spec.jvm, 'kafka.Kafka', [this.propertiesFile]),
      logFile: join(spec.dir, 'kafka.log'),
      cwd: spec.dir,
    })
  }

  /** Writes the config, formats the storage (a JVM run of its own) and starts the broker. */
  async create(): Promise<void> {
    const layout: KafkaNodeLayout = { ...this.spec, logDir: join(this.spec.dir, 'data') }
    mkdirSync(layout.logDir, { recursive: true })
    writeFileSync(this.propertiesFile, kafkaServerProperties(layout))
    await runTool({
      what: 'kafka storage format',
      command: this.spec.java,
      args: kafkaJavaArgs({ ...this.spec.jvm, heapMb: 128 }, 'kafka.tools.StorageTool', [
        'format',
        '--ignore-formatted',
        '-t',
        newClusterId(),
        '-c',
        this.propertiesFile,
      ]),
      timeoutMs: 60_000,
      cwd: this.spec.dir,
    })
    await this.start()
  }

  /** Starts the JVM on the existing data and waits until a client gets an answer. */
  async start(): Promise<void> {
    if (this.removed)
      throw new InfraError('E_INFRA_UNSUPPORTED', 'kafka was stopped; its data is gone.')
    this.process.start()
    await this.process.waitUntilReady(() => kafkaAnswers(this.broker), {
      timeoutMs: this.spec.readyTimeoutMs,
      port: this.spec.port,
      intervalMs: 200,
    })
  }

  /** Graceful (SIGTERM, controlled shutdown) stop that keeps the data. */
  shutdown(): Promise<void> {
    return this.process.stop('SIGTERM', 30_000)
  }

  /** Graceful stop, then the server dir goes. Idempotent. */
  async stop(): Promise<void> {
    await this.shutdown()
    if (this.removed) return
    this.removed = true
    removeTrackedDir(this.spec.dir)
  }

  kill(): Promise<void> {
    return this.process.kill()
  }

  pause(): void {
    this.process.pause()
  }

  resume(): void {
    this.process.resume()
  }

  /** Same ports, same data: stop if running (after kill() it is not), then start again. */
  async restart(): Promise<void> {
    await this.shutdown()
    await this.start()
  }

  logs(lines?: number): Promise<string> {
    return this.process.logs(lines)
  }
}
