import { trace } from '@opentelemetry/api'
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino'
import { badTelemetryOption } from '../telemetry-error.js'
import { scrubLogLine } from './scrub.js'

/** Options for {@link createLogger}. */
export interface LoggerFactoryOptions {
  /** The `service` field on every line. */
  readonly service: string
  /** The `instance_id` field, for N instances of one service. */
  readonly instanceId?: string
  /** @default 'info' */
  readonly level?: LoggerOptions['level']
  /** Where lines go. @default stdout, written synchronously so a crash loses no line */
  readonly destination?: DestinationStream
}

/** `trace_id`, `span_id` and `trace_flags` of the active span; nothing outside a span. */
function traceFields(): Record<string, string> {
  const sc = trace.getActiveSpan()?.spanContext()
  if (sc === undefined || !trace.isSpanContextValid(sc)) return {}
  return {
    trace_id: sc.traceId,
    span_id: sc.spanId,
    trace_flags: `0${(sc.traceFlags & 0xff).toString(16)}`.slice(-2),
  }
}

/** A destination that scrubs every finished line before it is written. */
function scrubbing(target: DestinationStream): DestinationStream {
  return { write: (line: string) => target.write(scrubLogLine(line)) }
}

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])

/**
 * A pino JSON logger for one service. Each line logged inside a span carries its `trace_id`
 * and `span_id`, so logs and traces join. Each line is scrubbed on its way out (see
 * `scrubLogLine`): tokens in Authorization headers or anywhere in a message, passwords in URLs
 * and `key=value` pairs, secret-named fields, and card numbers never reach the output. Pass it
 * to fastify as `loggerInstance`.
 */
export function createLogger(options: LoggerFactoryOptions): Logger {
  const level = options.level ?? 'info'
  if (!LEVELS.has(level)) {
    throw badTelemetryOption('level', `level must be one of ${[...LEVELS].join(', ')}.`)
  }
  return pino(
    {
      level,
      base: {
        service: options.service,
        ...(options.instanceId === undefined ? {} : { instance_id: options.instanceId }),
        pid: process.pid,
      },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: traceFields,
    },
    scrubbing(options.destination ?? pino.destination({ dest: 1, sync: true })),
  )
}
