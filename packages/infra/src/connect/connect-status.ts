import { InfraError } from '../errors.js'
import type { ConnectorStatus } from './types.js'

/** `GET /connectors/<name>/status`, or undefined while the worker has not created it yet. */
export async function fetchConnectorStatus(
  restUrl: string,
  name: string,
  timeoutMs = 2_000,
): Promise<ConnectorStatus | undefined> {
  const response = await fetch(`${restUrl}/connectors/${encodeURIComponent(name)}/status`, {
    signal: AbortSignal.timeout(timeoutMs),
  })
  if (response.status === 404) return undefined
  if (!response.ok) {
    throw new Error(`Kafka Connect answered ${response.status} for connector ${name}'s status`)
  }
  return (await response.json()) as ConnectorStatus
}

/**
 * A readiness probe: true once the connector and every task (at least one) are RUNNING. A FAILED
 * connector or task throws `E_INFRA_STARTUP_FAILED` with the failure's message and causes, which
 * ends the wait at once instead of at the timeout.
 */
export async function connectorRunning(restUrl: string, name: string): Promise<boolean> {
  const status = await fetchConnectorStatus(restUrl, name)
  if (status === undefined) return false
  const failed = [
    { what: 'connector', ...status.connector },
    ...status.tasks.map((task) => ({ what: `task ${task.id}`, ...task })),
  ].find((part) => part.state === 'FAILED')
  if (failed !== undefined) {
    const reason = summarizeTrace(failed.trace)
    throw new InfraError(
      'E_INFRA_STARTUP_FAILED',
      `Kafka Connect ${failed.what} of connector "${name}" FAILED: ${reason}`,
      { context: { service: 'kafka-connect', connector: name, trace: failed.trace } },
    )
  }
  const running = (state: string) => state === 'RUNNING'
  return (
    running(status.connector.state) &&
    status.tasks.length > 0 &&
    status.tasks.every((task) => running(task.state))
  )
}

/** A Java stack trace cut to what says why: its first line and every `Caused by:` line. */
export function summarizeTrace(trace: string | undefined): string {
  if (trace === undefined || trace.trim() === '') return '(no trace reported)'
  const lines = trace.split('\n').map((line) => line.trim())
  const causes = lines.filter((line) => line.startsWith('Caused by:'))
  return [lines[0], ...causes].join('\n  ')
}
