import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  startKafka,
  startPostgres,
  startRedis,
  type KafkaHandle,
  type PostgresHandle,
  type RedisHandle,
} from '@faultline/infra'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { JsonlSpan } from '../../../src/wiring/telemetry/index.js'
import { startFixture } from '../../fixtures/fixture-process.js'

let postgres: PostgresHandle
let redis: RedisHandle
let kafka: KafkaHandle
const dir = mkdtempSync(join(tmpdir(), 'faultline-spans-'))

beforeAll(async () => {
  ;[postgres, redis, kafka] = await Promise.all([
    startPostgres({ provider: 'local', log: () => undefined }),
    startRedis({ provider: 'local', log: () => undefined }),
    startKafka({ provider: 'local', log: () => undefined }),
  ])
})
afterAll(async () => {
  await Promise.all([postgres?.stop(), redis?.stop(), kafka?.stop()])
  rmSync(dir, { recursive: true, force: true })
})

describe('instrumentations on our pg, ioredis and kafkajs versions (ESM service, real servers)', () => {
  test('each client makes spans in the root trace, and a consumer continues it from the envelope', async () => {
    const filePath = join(dir, 'clients.jsonl')
    const fixture = await startFixture(
      './instrumented-clients.ts',
      {
        filePath,
        pgUrl: postgres.url,
        redisUrl: redis.url,
        brokers: kafka.brokers,
        topic: 'orders-trace',
      },
      'done',
    )
    await fixture.stop()
    const report = fixture.event as {
      traceId: string
      rootSpanId: string
      transport: string
      envelope: string
    }
    const spans = readFileSync(filePath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as JsonlSpan)
    const inRoot = spans.filter((s) => s.traceId === report.traceId)
    const scopes = new Set(inRoot.map((s) => s.scope))
    expect(scopes).toEqual(expect.objectContaining({}) as Set<string>)
    for (const scope of [
      '@opentelemetry/instrumentation-pg',
      '@opentelemetry/instrumentation-ioredis',
      '@opentelemetry/instrumentation-kafkajs',
    ]) {
      expect([...scopes], scope).toContain(scope)
    }
    const query = inRoot.find(
      (s) => s.scope.endsWith('instrumentation-pg') && s.name.startsWith('pg.query'),
    )
    expect(query?.attributes['db.statement'] ?? query?.attributes['db.query.text']).toBe(
      'SELECT $1::int AS answer',
    )
    // The statement's parameter value stays out of the span (enhancedDatabaseReporting off).
    expect(JSON.stringify(query?.attributes)).not.toContain('731904226')
    const handle = spans.find((s) => s.name === 'handle order.placed')
    expect(handle).toMatchObject({
      kind: 'CONSUMER',
      traceId: report.traceId,
      parentSpanId: report.rootSpanId,
      service: 'clients',
    })
    // kafkajs's instrumentation rewrites the transport header with its send span; the envelope
    // keeps the producer's own context, which is why consumers continue from envelope.headers.
    expect(report.envelope).toBe(`00-${report.traceId}-${report.rootSpanId}-01`)
    expect(report.transport).not.toBe(report.envelope)
  })
})
