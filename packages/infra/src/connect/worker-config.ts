import { join } from 'node:path'
import type { ConnectorDefinition } from './types.js'

/** Where one standalone worker listens, keeps its offsets and finds its plugins. */
export interface WorkerLayout {
  readonly brokers: readonly string[]
  /** REST port on 127.0.0.1. */
  readonly restPort: number
  /** The worker's temp dir: offsets, properties files and the log. */
  readonly dir: string
  /** `plugin.path` entries, each the parent of one plugin's jar folder. */
  readonly pluginPath: readonly string[]
}

/**
 * The worker's properties: ours, then the connector's (converters, producer settings), then the
 * caller's overrides.
 */
export function connectWorkerProperties(
  layout: WorkerLayout,
  connector: ConnectorDefinition,
  overrides: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const rest = `http://127.0.0.1:${layout.restPort}`
  return {
    'bootstrap.servers': layout.brokers.join(','),
    // The default listens on every interface; a test worker has no business there.
    listeners: rest,
    'rest.advertised.listener': 'http',
    'rest.advertised.host.name': '127.0.0.1',
    'rest.advertised.port': String(layout.restPort),
    'offset.storage.file.filename': join(layout.dir, 'connect.offsets'),
    // After a crash the task replays from the last flushed offset: 1 s of events, not 60 s.
    'offset.flush.interval.ms': '1000',
    'plugin.path': layout.pluginPath.join(','),
    // Plugins are found through their ServiceLoader manifests (Kafka's and Debezium's jars have
    // them) instead of a reflective scan of every class on the classpath and plugin path.
    'plugin.discovery': 'service_load',
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable': 'false',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': 'false',
    ...connector.worker,
    ...overrides,
  }
}

/** The connector's properties file content: its config plus its name. */
export function connectorProperties(connector: ConnectorDefinition): Record<string, string> {
  return { ...connector.config, name: connector.name }
}
