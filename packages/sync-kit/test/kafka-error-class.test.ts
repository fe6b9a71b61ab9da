import {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
} from 'kafkajs'
import { describe, expect, test } from 'vitest'
import { classifyKafkaError } from '../src/adapters/kafka-error-class.js'
import { KAFKA_ERROR_CODES } from '../src/adapters/kafka-error-table.js'

type ProtocolErrorInput = { type: string; code: number; retriable: boolean; message: string }

/** A broker error as kafkajs builds it (its constructor reads these fields off an object). */
const protocolError = (type: string, code: number, kafkajsSays = false) =>
  new KafkaJSProtocolError({
    type,
    code,
    retriable: kafkajsSays,
    message: `${type} from the broker`,
  } satisfies ProtocolErrorInput as unknown as Error)

/** What kafkajs's retrier throws when it bails on an error: a wrapper keeping it as `cause`. */
const bailed = (e: Error) =>
  new (KafkaJSNonRetriableError as unknown as new (e: Error, o: { cause: Error }) => Error)(e, {
    cause: e,
  })

describe('classifyKafkaError', () => {
  test('MESSAGE_TOO_LARGE and RECORD_LIST_TOO_LARGE are refusals that no retry can fix, as Kafka says', () => {
    for (const [type, code] of [
      ['MESSAGE_TOO_LARGE', 10],
      ['RECORD_LIST_TOO_LARGE', 18],
    ] as const) {
      expect(classifyKafkaError(bailed(protocolError(type, code)))).toMatchObject({
        retriable: false,
        refused: 'too-large',
        kafka: { name: type },
      })
    }
  })

  test('invalid records and topic names are refusals; leadership and replica errors are retriable', () => {
    expect(classifyKafkaError(protocolError('INVALID_RECORD', 87))).toMatchObject({
      retriable: false,
      refused: 'invalid',
    })
    expect(classifyKafkaError(protocolError('INVALID_TOPIC_EXCEPTION', 17)).refused).toBe('invalid')
    for (const [type, code] of [
      ['NOT_LEADER_FOR_PARTITION', 6],
      ['NOT_ENOUGH_REPLICAS', 19],
      ['REQUEST_TIMED_OUT', 7],
    ] as const) {
      expect(classifyKafkaError(protocolError(type, code, true))).toMatchObject({
        retriable: true,
        refused: undefined,
      })
    }
  })

  test("Kafka's table decides, not kafkajs's flag, and authorization is not retriable", () => {
    // kafkajs says retriable for nothing here; Kafka says NOT_COORDINATOR is.
    expect(classifyKafkaError(protocolError('NOT_COORDINATOR', 16, false)).retriable).toBe(true)
    expect(classifyKafkaError(protocolError('TOPIC_AUTHORIZATION_FAILED', 29, true))).toMatchObject(
      { retriable: false, refused: undefined },
    )
  })

  test('a code kafkajs does not know (reported as -99) is read from its message', () => {
    const e = protocolError('KAFKAJS_UNKNOWN_ERROR_CODE', -99)
    Object.assign(e, { message: 'Unknown error code 100' })
    expect(classifyKafkaError(e)).toMatchObject({
      kafka: { code: 100, name: 'UNKNOWN_TOPIC_ID', retriable: true },
      retriable: true,
    })
  })

  test('without a broker answer: connection failures are retriable, even after kafkajs ran out of retries; a wrapped bug is not', () => {
    const refused = new KafkaJSConnectionError('connect ECONNREFUSED 127.0.0.1:9092')
    expect(classifyKafkaError(refused)).toMatchObject({ kafka: undefined, retriable: true })
    const exhausted = new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 5, retryTime: 1 })
    expect(classifyKafkaError(exhausted).retriable).toBe(true)
    expect(classifyKafkaError(bailed(new TypeError('value must be a Buffer'))).retriable).toBe(
      false,
    )
  })

  test('the table has every code from -1 to 133, and agrees with kafkajs on every code kafkajs knows', async () => {
    const codes = [...KAFKA_ERROR_CODES.keys()].sort((a, b) => a - b)
    expect(codes).toEqual([-1, ...Array.from({ length: 133 }, (_, i) => i + 1)])
    const { errorCodes } = (await import(
      // @ts-expect-error kafkajs's protocol table has no type declarations
      'kafkajs/src/protocol/error.js'
    )) as { errorCodes: { code: number; retriable: boolean }[] }
    const disagreements = errorCodes.filter(
      (e) => KAFKA_ERROR_CODES.get(e.code)?.retriable !== e.retriable,
    )
    expect(disagreements).toEqual([])
  })
})
