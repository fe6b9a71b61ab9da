import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { InfraError } from '../errors.js'
import { removeTrackedDir } from './cleanup.js'
import type { KafkaClassArchive } from './kafka-cds.js'
import {
  KAFKA_FAST_START_FLAGS,
  kafkaJavaArgs,
  kafkaServerProperties,
  newClusterId,
  type KafkaJvmSpec,
  type KafkaNodeLayout,
} from './kafka-config.js'
import { runTool } from './kafka-exec.js'
import { kafkaAnswers } from './kafka-ready.js'
import { tailFile } from './log-tail.js'
import { ServerProcess } from './server-process.js'

/** Everything needed to run one node: where it lives, which ports, which JVM. */
export interface KafkaNodeSpec {
  readonly java: string
  readonly dir: string
  readonly port: number
  readonly controllerPort: number
  readonly jvm: KafkaJvmSpec
  readonly readyTimeoutMs: number
  /** Class archive for faster JVM starts; none when `-Xshare:off` was asked for. */
  readonly archive?: KafkaClassArchive
}

/**
 * One combined broker+controller KRaft node in a server dir. The process is a {@link ServerProcess},
 * so faults hit the whole JVM; the data dir survives kill/restart and goes with stop().
 */
export class LocalKafkaNode {
  readonly broker: string
  private readonly propertiesFile: string
  private readonly logFile: string
  private process: ServerProcess | undefined
  private removed = false

  constructor(readonly spec: KafkaNodeSpec) {
    this.broker = `127.0.0.1:${spec.port}`
    this.propertiesFile = join(spec.dir, 'server.properties')
    this.logFile = join(spec.dir, 'kafka.log')
  }

  /** Writes the config, formats the storage (a JVM run of its own) and starts the broker. */
  async create(): Promise<void> {
    const layout: KafkaNodeLayout = { ...this.spec, logDir: join(this.spec.dir, 'data') }
    mkdirSync(layout.logDir, { recursive: true })
    writeFileSync(this.propertiesFile, kafkaServerProperties(layout))
    const format = ['format', '--ignore-formatted', '-t', newClusterId(), '-c', this.propertiesFile]
    await runTool({
      what: 'kafka storage format',
      command: this.spec.java,
      args: kafkaJavaArgs(
        this.jvm(128, this.spec.archive?.useFlags()),
        'kafka.tools.StorageTool',
        format,
      ),
      timeoutMs: 60_000,
      cwd: this.spec.dir,
    })
    await this.start()
  }

  /** Starts the JVM on the existing data and waits until a client gets an answer. */
  async start(): Promise<void> {
    if (this.removed)
      throw new InfraError('E_INFRA_UNSUPPORTED', 'kafka was stopped; its data is gone.')
    const flags = this.spec.archive?.brokerFlags()
    // A fresh ServerProcess per start: the archive flags differ between the first run and later.
    const server = new ServerProcess({
      service: 'kafka',
      command: this.spec.java,
      args: kafkaJavaArgs(this.jvm(this.spec.jvm.heapMb, flags), 'kafka.Kafka', [
        this.propertiesFile,
      ]),
      logFile: this.logFile,
      cwd: this.spec.dir,
    })
    this.process = server
    server.start()
    await server.waitUntilReady(() => kafkaAnswers(this.broker), {
      timeoutMs: this.spec.readyTimeoutMs,
      port: this.spec.port,
      intervalMs: 200,
    })
  }

  /** The JVM spec with archive flags placed before the user's, so that the user's win. */
  private jvm(heapMb: number, archiveFlags: string[] = []): KafkaJvmSpec {
    return {
      ...this.spec.jvm,
      heapMb,
      extraFlags: [...archiveFlags, ...(this.spec.jvm.extraFlags ?? [])],
    }
  }

  /** Graceful (SIGTERM, controlled shutdown) stop that keeps the data. */
  async shutdown(): Promise<void> {
    await this.process?.stop('SIGTERM', 30_000)
    await this.spec.archive?.settle(true, (flags) => this.jvmStarts(flags))
  }

  /** Whether a JVM with these flags and the broker classpath starts at all. */
  private jvmStarts(flags: string[]): Promise<boolean> {
    const classpath = `${this.spec.jvm.libsDir}/*`
    const args = [...KAFKA_FAST_START_FLAGS, ...flags, '-cp', classpath, '-version']
    const run = { what: 'java -version', command: this.spec.java, args, timeoutMs: 30_000 }
    return runTool({ ...run, cwd: this.spec.dir }).then(
      () => true,
      () => false,
    )
  }

  /** Graceful stop, then the server dir goes. Idempotent. */
  async stop(): Promise<void> {
    await this.shutdown()
    if (this.removed) return
    this.removed = true
    removeTrackedDir(this.spec.dir)
  }

  async kill(): Promise<void> {
    await this.process?.kill()
    await this.spec.archive?.settle(false, () => Promise.resolve(false))
  }

  pause(): void {
    this.process?.pause()
  }

  resume(): void {
    this.process?.resume()
  }

  /** Same ports, same data: stop if running (after kill() it is not), then start again. */
  async restart(): Promise<void> {
    await this.shutdown()
    await this.start()
  }

  logs(lines?: number): Promise<string> {
    return tailFile(this.logFile, lines)
  }
}
