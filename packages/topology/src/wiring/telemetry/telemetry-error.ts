import { TopologyError } from '../../errors.js'

/** `E_TOPOLOGY_INVALID_OPTION` for a telemetry option, naming it and the fix. */
export function badTelemetryOption(option: string, message: string): TopologyError {
  return new TopologyError('E_TOPOLOGY_INVALID_OPTION', message, { context: { option } })
}
