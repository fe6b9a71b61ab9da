import { randomBytes } from 'node:crypto'

/** Where one combined KRaft node listens and keeps its data. */
export interface KafkaNodeLayout {
  /** Client (PLAINTEXT) port on 127.0.0.1. */
  readonly port: number
  /** KRaft controller port on 127.0.0.1. */
  readonly controllerPort: number
  /** The `log.dirs` directory; it also holds the KRaft metadata log. */
  readonly logDir: string
}

/** How to launch the broker's JVM. */
export interface KafkaJvmSpec {
  /** Heap in MB, used for both `-Xms` and `-Xmx`. */
  readonly heapMb: number
  /** Directory holding the broker's jars. */
  readonly libsDir: string
  /** The log4j2 configuration file. */
  readonly log4jConfig: string
  /** Extra JVM flags appended last, so they override the defaults. */
  readonly extraFlags?: readonly string[]
  /**
   * `fast-start` ({@link KAFKA_FAST_START_FLAGS}) for tests; `throughput`
   * ({@link KAFKA_THROUGHPUT_FLAGS}) for a JVM whose speed is being measured.
   * @default 'fast-start'
   */
  readonly profile?: JvmProfile
}

/** Which JVM flags a Kafka-family JVM starts with. */
export type JvmProfile = 'fast-start' | 'throughput'

/** Every {@link JvmProfile}, for option checks. */
export const JVM_PROFILES: readonly JvmProfile[] = ['fast-start', 'throughput']

const HOST = '127.0.0.1'

/**
 * JVM flags for a fast start on a small shared machine. The serial collector avoids G1's
 * concurrent threads, and C1-only compilation skips C2 work that a short test run never repays
 * (measured: about 0.5–1 s less to the first admin answer on 2 cores). Benchmarks that need peak
 * broker throughput can override them through `FAULTLINE_KAFKA_JVM_OPTS`.
 */
export const KAFKA_FAST_START_FLAGS: readonly string[] = [
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-XX:-UsePerfData',
  '-Djava.awt.headless=true',
]

/**
 * The flags Kafka's own `kafka-run-class.sh` starts brokers and Connect workers with
 * (`KAFKA_JVM_PERFORMANCE_OPTS`): G1 with short pauses and the full JIT, as an operator runs them.
 */
export const KAFKA_THROUGHPUT_FLAGS: readonly string[] = [
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  '-Djava.awt.headless=true',
]

/** The `server.properties` text for a single node that is both broker and controller. */
export function kafkaServerProperties(layout: KafkaNodeLayout): string {
  const client = `PLAINTEXT://${HOST}:${layout.port}`
  const controller = `CONTROLLER://${HOST}:${layout.controllerPort}`
  const lines = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${HOST}:${layout.controllerPort}`,
    `listeners=${client},${controller}`,
    `advertised.listeners=${client},${controller}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${layout.logDir}`,
    ...SINGLE_NODE_LINES,
  ]
  return `${lines.join('\n')}\n`
}

/**
 * Internal topics default to replication factor 3, which one node can never satisfy: consumer
 * groups then fail with "group coordinator not available" and transactions never initialise.
 */
const SINGLE_NODE_LINES: readonly string[] = [
  'offsets.topic.replication.factor=1',
  'transaction.state.log.replication.factor=1',
  'transaction.state.log.min.isr=1',
  'share.coordinator.state.topic.replication.factor=1',
  'share.coordinator.state.topic.min.isr=1',
  // 50 partitions each (the default) make the first group and the first transaction wait while
  // the coordinators load them all; one partition is plenty for a single test node.
  'offsets.topic.num.partitions=1',
  'transaction.state.log.num.partitions=1',
  // Tests form groups and expect them to start consuming at once, not after 3 s.
  'group.initial.rebalance.delay.ms=0',
  // A SIGKILLed group member holds its partitions until its session expires; tests that kill
  // members use sessions of a few seconds, below the broker's default floor of 6 s.
  'group.min.session.timeout.ms=1000',
  // After a kill, the restarted broker's registration is refused (DUPLICATE_BROKER_REGISTRATION)
  // until the dead incarnation's session expires: 9 s by default, measured as most of the
  // restart time. A shorter session still outlasts several missed heartbeats on a busy machine.
  'broker.session.timeout.ms=3000',
  'broker.heartbeat.interval.ms=500',
  'num.partitions=1',
]

/** The `java` arguments that run `mainClass` with the broker's classpath and logging. */
export function kafkaJavaArgs(spec: KafkaJvmSpec, mainClass: string, args: string[]): string[] {
  return [
    `-Xms${spec.heapMb}m`,
    `-Xmx${spec.heapMb}m`,
    ...(spec.profile === 'throughput' ? KAFKA_THROUGHPUT_FLAGS : KAFKA_FAST_START_FLAGS),
    ...(spec.extraFlags ?? []),
    `-Dlog4j2.configurationFile=${spec.log4jConfig}`,
    '-cp',
    `${spec.libsDir}/*`,
    mainClass,
    ...args,
  ]
}

/** Splits `FAULTLINE_KAFKA_JVM_OPTS`-style text into flags; quoting is not supported. */
export function parseJvmOpts(text: string | undefined): string[] {
  return (text ?? '').split(/\s+/).filter((flag) => flag !== '')
}

/**
 * A fresh cluster id: Kafka wants the 22-character URL-safe base64 form of 16 random bytes,
 * which is what `StorageTool random-uuid` prints, without paying a JVM start for it.
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url')
    // StorageTool's argument parser would read a leading '-' as an option, as Kafka's own
    // Uuid.randomUuid() knows.
    if (!id.startsWith('-')) return id
  }
}
