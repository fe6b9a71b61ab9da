import { context, trace } from '@opentelemetry/api'
import { SignJWT, generateKeyPair } from 'jose'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createLogger } from '../../../src/wiring/telemetry/logs/logger.js'
import { LogCapture } from './log-capture.js'
import { memoryTracing, type MemoryTracing } from './memory-tracing.js'

let tracing: MemoryTracing
let jwt: string
beforeAll(async () => {
  tracing = memoryTracing()
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
  jwt = await new SignJWT({ roles: ['ops'] })
    .setProtectedHeader({ alg: 'EdDSA' })
    .setSubject('u')
    .sign(privateKey)
})
afterAll(() => tracing.stop())

function logger() {
  const capture = new LogCapture()
  return { capture, log: createLogger({ service: 'orders', destination: capture }) }
}

describe('createLogger() trace correlation', () => {
  test('a line logged inside a span carries its trace_id and span_id; outside, none', () => {
    const { capture, log } = logger()
    const span = tracing.tracer.startSpan('work')
    context.with(trace.setSpan(context.active(), span), () => log.info('inside'))
    span.end()
    log.info('outside')
    const [inside, outside] = capture.records()
    expect(inside).toMatchObject({
      msg: 'inside',
      service: 'orders',
      level: 'info',
      trace_id: span.spanContext().traceId,
      span_id: span.spanContext().spanId,
      trace_flags: '01',
    })
    expect(outside).not.toHaveProperty('trace_id')
  })

  test('child loggers keep the correlation and the service field', () => {
    const { capture, log } = logger()
    const span = tracing.tracer.startSpan('work')
    context.with(trace.setSpan(context.active(), span), () => log.child({ reqId: 'r1' }).warn('x'))
    span.end()
    expect(capture.records()[0]).toMatchObject({
      reqId: 'r1',
      service: 'orders',
      trace_id: span.spanContext().traceId,
    })
  })
})

describe('createLogger() never writes a secret', () => {
  const card = '4111 1111 1111 1111'
  const hostile = () => ({
    req: { headers: { authorization: `Bearer ${jwt}`, cookie: 'sid=abc123secret', host: 'x' } },
    db: 'postgres://app:Sup3rS3cret!@127.0.0.1:5432/orders',
    body: {
      email: 'a@b.c',
      cardNumber: '5555555555554444',
      cvv: '123',
      nested: { password: 'hunter2hunter2' },
    },
    note: `customer paid with ${card} and token ${jwt}`,
    raw: `POST /login password=Pa55w0rdXYZ&user=bob`,
    amount: 4012888888881881,
  })
  const secrets = () => [
    jwt,
    'abc123secret',
    'Sup3rS3cret!',
    '5555555555554444',
    'hunter2hunter2',
    card,
    '4111111111111111',
    'Pa55w0rdXYZ',
    '4012888888881881',
  ]

  test.each([
    ['as fields', (log: ReturnType<typeof createLogger>) => log.info(hostile(), 'request')],
    [
      'in the message',
      (log: ReturnType<typeof createLogger>) => log.info(`got ${JSON.stringify(hostile())}`),
    ],
    [
      'in printf arguments',
      (log: ReturnType<typeof createLogger>) => log.info('got %s %j', `Bearer ${jwt}`, hostile()),
    ],
    [
      'in child bindings',
      (log: ReturnType<typeof createLogger>) => log.child(hostile()).info('bound'),
    ],
    [
      'in an error message and stack',
      (log: ReturnType<typeof createLogger>) =>
        log.error(
          {
            err: new Error(
              `connect postgres://app:Sup3rS3cret!@db failed; ${JSON.stringify(hostile())}`,
            ),
          },
          'failed',
        ),
    ],
  ])('a hostile object logged %s leaves no secret in the output', (_name, write) => {
    const { capture, log } = logger()
    write(log)
    expect(capture.lines.length).toBe(1)
    for (const secret of secrets()) expect(capture.text).not.toContain(secret)
    expect(capture.text).toContain('[REDACTED')
  })

  test('what is not secret survives: user names, hosts, order ids, timestamps', () => {
    const { capture, log } = logger()
    log.info(
      {
        db: 'postgres://app:pw@db.internal:5432/orders',
        orderId: '1234567890123',
        at: 1796660918123,
      },
      'ok',
    )
    const [line] = capture.records()
    expect(line).toMatchObject({
      db: 'postgres://app:[REDACTED]@db.internal:5432/orders',
      orderId: '1234567890123',
      at: 1796660918123,
    })
  })

  test('a "__proto__" key in logged data stays data and pollutes nothing', () => {
    const { capture, log } = logger()
    log.info(JSON.parse('{"__proto__":{"polluted":true},"password":"x1y2z3w4"}') as object, 'p')
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(capture.text).not.toContain('x1y2z3w4')
  })
})
