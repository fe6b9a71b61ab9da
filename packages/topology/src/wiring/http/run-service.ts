import { describeThrown } from '../../errors.js'
import type { ServiceApp } from './create-service-app.js'
import { readServiceConfig, type BaseServiceConfig, type ObjectSchema } from './service-config.js'
import { exitOnSignals } from './signals.js'

/** The message a service process reports once it listens (stdout line and IPC message). */
export interface ListeningEvent {
  readonly event: 'listening'
  readonly url: string
  readonly pid: number
}

/** What {@link runService} needs from a service's `main.ts`. */
export interface RunServiceOptions<C extends object> {
  /** The service's own configuration fields (the base fields are added). */
  readonly configSchema: ObjectSchema
  /** Builds the app: routes, readiness checks, shutdown hooks. */
  readonly build: (config: BaseServiceConfig & C) => Promise<ServiceApp>
}

/** Exit code for a configuration the process cannot run with (sysexits' EX_CONFIG). */
export const EXIT_BAD_CONFIG = 78

function report(event: ListeningEvent): void {
  process.stdout.write(`${JSON.stringify(event)}\n`)
  process.send?.(event)
}

/**
 * The process entry every service's `main.ts` calls: reads the configuration from
 * `FAULTLINE_SERVICE_CONFIG` (exit 78 with the problem on stderr when it is bad), builds the app,
 * listens, reports `{"event":"listening","url":…}` on stdout (and over IPC when the supervisor
 * opened a channel), and shuts down gracefully within the configured bound on SIGTERM/SIGINT,
 * or when the supervisor's IPC channel closes (the supervisor died).
 */
export async function runService<C extends object>(options: RunServiceOptions<C>): Promise<void> {
  let config: BaseServiceConfig & C
  try {
    config = readServiceConfig<C>(options.configSchema)
  } catch (error) {
    process.stderr.write(`${describeThrown(error)}\n`)
    process.exit(EXIT_BAD_CONFIG)
  }
  try {
    const service = await options.build(config)
    const begin = exitOnSignals({
      shutdown: () => service.shutdown(),
      log: service.app.log,
      timeoutMs: config.shutdownTimeoutMs,
    })
    const url = await service.listen({ host: config.host, port: config.port })
    if (process.send !== undefined) process.once('disconnect', () => begin('supervisor gone'))
    report({ event: 'listening', url, pid: process.pid })
  } catch (error) {
    process.stderr.write(`${config.service} failed to start: ${describeThrown(error)}\n`)
    process.exit(1)
  }
}
