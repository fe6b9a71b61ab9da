import { collectDefaultMetrics, Registry } from 'prom-client'
import { badTelemetryOption } from '../telemetry-error.js'

/** Options for {@link createMetricsRegistry}. */
export interface MetricsRegistryOptions {
  /** Added as the `service` label on every series. */
  readonly service: string
  /** Added as the `instance_id` label, for N instances of one service. */
  readonly instanceId?: string
  /** Process metrics: CPU seconds, resident memory bytes, event loop lag, GC. @default true */
  readonly processMetrics?: boolean
}

const LABEL_VALUE = /^[A-Za-z0-9_.:-]{1,64}$/

/**
 * A prom-client registry for one service, never the global one: two services in one process
 * (tests, the embedded topology) keep their series apart.
 */
export function createMetricsRegistry(options: MetricsRegistryOptions): Registry {
  for (const [option, value] of [
    ['service', options.service],
    ['instanceId', options.instanceId],
  ]) {
    if (value !== undefined && !LABEL_VALUE.test(value)) {
      throw badTelemetryOption(option ?? '', `${option} must be 1-64 of [A-Za-z0-9_.:-].`)
    }
  }
  const registry = new Registry()
  registry.setDefaultLabels({
    service: options.service,
    ...(options.instanceId === undefined ? {} : { instance_id: options.instanceId }),
  })
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry })
  return registry
}
