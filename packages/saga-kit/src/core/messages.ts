import { randomUUID } from 'node:crypto'
import type { ErrorRecord } from '../errors.js'
import type { SagaMessage } from '../ports.js'
import type { Direction } from './types.js'

/** Fields shared by a command and its reply. */
export interface StepAddress {
  readonly sagaId: string
  readonly sagaName: string
  readonly stepId: string
  readonly direction: Direction
  readonly attempt: number
  /** `sagaId:stepId`, identical for both directions and every attempt. */
  readonly idempotencyKey: string
}

/** The body of a command to a participant. */
export interface CommandBody extends StepAddress {
  readonly replyTo: string
  readonly payload: unknown
}

/** The body of a participant's reply. */
export interface ReplyBody extends StepAddress {
  readonly outcome: 'ok' | 'failed'
  readonly result?: unknown
  readonly error?: ErrorRecord
}

/** Channel a participant listens on. */
export const participantChannel = (participant: string): string => `saga.participant.${participant}`

/** Builds a transport message with a fresh id; the saga id is the ordering key. */
export function buildSagaMessage(
  type: string,
  body: CommandBody | ReplyBody,
  headers: Record<string, string>,
): SagaMessage {
  return { id: randomUUID(), key: body.sagaId, type, body, headers }
}

const isStr = (value: unknown): value is string => typeof value === 'string' && value.length > 0

function addressProblems(body: Record<string, unknown>): string[] {
  const problems: string[] = []
  for (const field of ['sagaId', 'sagaName', 'stepId', 'idempotencyKey'] as const) {
    if (!isStr(body[field])) problems.push(`${field} must be a non-empty string`)
  }
  if (body.direction !== 'invoke' && body.direction !== 'compensate')
    problems.push('direction must be invoke or compensate')
  if (typeof body.attempt !== 'number' || !Number.isInteger(body.attempt) || body.attempt < 1)
    problems.push('attempt must be a positive integer')
  return problems
}

const asRecord = (value: unknown): Record<string, unknown> | null =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null

/** Validates a command body; returns it, or a sentence listing every problem. */
export function decodeCommand(message: SagaMessage): CommandBody | string {
  const record = asRecord(message.body)
  if (record === null) return 'command body is not an object'
  const problems = addressProblems(record)
  if (!isStr(record.replyTo)) problems.push('replyTo must be a non-empty string')
  return problems.length > 0 ? problems.join('; ') : (record as unknown as CommandBody)
}

/** Validates a reply body; returns it, or a sentence listing every problem. */
export function decodeReply(message: SagaMessage): ReplyBody | string {
  const record = asRecord(message.body)
  if (record === null) return 'reply body is not an object'
  const problems = addressProblems(record)
  if (record.outcome !== 'ok' && record.outcome !== 'failed')
    problems.push('outcome must be ok or failed')
  if (record.outcome === 'failed' && asRecord(record.error) === null)
    problems.push('a failed reply needs an error object')
  return problems.length > 0 ? problems.join('; ') : (record as unknown as ReplyBody)
}
