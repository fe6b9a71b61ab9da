/**
 * Issue 12, item 4: a participant's final "no" must count for the attempt that asked, so that a
 * step retried after a timeout or a lost reply fails with the participant's reason at once
 * instead of timing out on every remaining attempt, and `resume()` hears the refusal again.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type pg from 'pg'
import {
  command,
  createMemoryTransport,
  createOrchestrator,
  createParticipant,
  defineParticipant,
  defineSaga,
  rejectStep,
  type MemoryTransport,
  type ErrorRecord,
  type Orchestrator,
  type SagaMessage,
} from '@faultline/saga-kit'
import { count, FakeClock, startTestDb, type TestDb } from './support/harness.js'
import { createShopTables, startParticipants } from './support/order-saga.js'

let db: TestDb
beforeAll(async () => {
  db = await startTestDb()
})
afterAll(async () => db?.stop())

interface Card {
  orderId: string
  amount: number
}

const STEP_TIMEOUT_MS = 1_000
const BACKOFF_MS = 5_000

/** One command step that the payments participant declines; retried up to 3 times. */
const cardSaga = defineSaga<Card>('card').step('charge', {
  invoke: command('payments', 'payments.charge', ({ data }) => ({ ...data, decline: true })),
  compensate: command('payments', 'payments.refund', ({ data }) => data),
  timeoutMs: STEP_TIMEOUT_MS,
  retry: { maxAttempts: 3, initialDelayMs: BACKOFF_MS, maxDelayMs: BACKOFF_MS, jitter: 0 },
})

async function setUp(name: string, transport: MemoryTransport) {
  const pool = await db.fresh(name)
  await createShopTables(pool)
  await startParticipants(pool, transport)
  const clock = new FakeClock()
  const orch = createOrchestrator({ db: pool, sagas: [cardSaga], transport, clock, concurrency: 0 })
  await orch.listen()
  return { pool, clock, orch }
}

/** Moves the clock past the step's deadline (and any backoff) and runs what is due, `rounds` times. */
async function passTime(
  orch: Orchestrator,
  clock: FakeClock,
  timer: MemoryTransport,
  rounds: number,
) {
  for (let index = 0; index < rounds; index++) {
    await timer.idle()
    if ((await orch.get('r1'))?.state !== 'RUNNING') return
    clock.advance(BACKOFF_MS + STEP_TIMEOUT_MS)
    await orch.runDue()
  }
  await timer.idle()
}

const chargeRow = async (orch: Orchestrator) =>
  (await orch.get('r1'))?.steps.find(
    (step) => step.stepId === 'charge' && step.direction === 'invoke',
  )

const commandsSent = (timer: MemoryTransport, type: string) =>
  timer.sent.filter((step) => step.message.type === type).length

describe('a refusal replayed by the participant', () => {
  test("a declined card whose reply was lost fails on the retry with the participant's reason, not after every attempt timed out", async () => {
    let lost = 0
    const transport = createMemoryTransport({
      drop: (ch, message) =>
        ch === 'saga.replies' && message.type === 'payments.charge.reply' && lost++ === 0,
    })
    const { orch, clock } = await setUp('refusal_lost_reply', transport)
    await orch.start('card', { orderId: 'o1', amount: 10 }, { sagaId: 'r1' })
    await passTime(orch, clock, transport, 5)

    expect((await orch.get('r1'))?.state).toBe('COMPENSATED')
    const row = await chargeRow(orch)
    expect(row?.error).toMatchObject({ message: 'card declined', code: 'E_SAGA_STEP_REJECTED' })
    // Attempt 1's refusal was lost and timed out; attempt 2 heard the stored refusal again.
    expect(row?.attempt).toBe(2)
    expect(commandsSent(transport, 'payments.charge')).toBe(2)
    const history = await orch.history('r1')
    expect(history.filter((entry) => entry.kind === 'step.timeout')).toHaveLength(1)
    expect(history.find((entry) => entry.kind === 'step.failed')?.attempt).toBe(2)
  })

  test('a refusal that arrives while the step waits to retry ends the step at once; no retry is sent', async () => {
    const held: SagaMessage[] = []
    const transport = createMemoryTransport({
      drop: (ch, message) =>
        ch === 'saga.replies' && message.type === 'payments.charge.reply' && held.length === 0
          ? (held.push(message), true)
          : false,
    })
    const { orch, clock } = await setUp('refusal_in_retry_wait', transport)
    await orch.start('card', { orderId: 'o1', amount: 10 }, { sagaId: 'r1' })
    await transport.idle()
    clock.advance(STEP_TIMEOUT_MS)
    await orch.runDue()
    expect((await chargeRow(orch))?.status).toBe('retry_wait')
    // The slow reply of attempt 1 lands during the backoff.
    transport.publish('saga.replies', held[0]!)
    await transport.idle()

    expect((await orch.get('r1'))?.state).toBe('COMPENSATED')
    const row = await chargeRow(orch)
    expect(row).toMatchObject({ status: 'failed', attempt: 1, uncertain: true })
    expect(row?.error).toMatchObject({ message: 'card declined', code: 'E_SAGA_STEP_REJECTED' })
    expect(commandsSent(transport, 'payments.charge')).toBe(1)
  })

  test('a refusal of an earlier attempt that arrives while a later attempt waits ends the step; the step is compensated', async () => {
    const held: SagaMessage[] = []
    const transport = createMemoryTransport({
      drop: (ch, message) => {
        const { attempt } = message.body as { attempt: number }
        const reply = ch === 'saga.replies' && message.type === 'payments.charge.reply'
        if (reply && attempt === 1 && held.length === 0) return (held.push(message), true)
        return (
          ch === 'saga.participant.payments' && message.type === 'payments.charge' && attempt === 2
        )
      },
    })
    const { orch, clock } = await setUp('refusal_superseded', transport)
    await orch.start('card', { orderId: 'o1', amount: 10 }, { sagaId: 'r1' })
    await transport.idle()
    clock.advance(STEP_TIMEOUT_MS)
    await orch.runDue() // attempt 1 times out
    clock.advance(BACKOFF_MS)
    await orch.runDue() // attempt 2 is sent (and lost on its way)
    await transport.idle()
    expect(await chargeRow(orch)).toMatchObject({ status: 'waiting', attempt: 2 })
    // Attempt 1's refusal, slower than its deadline, arrives while attempt 2 waits.
    transport.publish('saga.replies', held[0]!)
    await transport.idle()

    expect((await orch.get('r1'))?.state).toBe('COMPENSATED')
    const row = await chargeRow(orch)
    expect(row).toMatchObject({ status: 'failed', attempt: 2, uncertain: true })
    expect(row?.error).toMatchObject({ message: 'card declined', code: 'E_SAGA_STEP_REJECTED' })
    const history = await orch.history('r1')
    expect(history.filter((entry) => entry.kind === 'step.timeout')).toHaveLength(1)
    expect(
      history.find((entry) => entry.kind === 'step.completed' && entry.direction === 'compensate'),
    ).toBeDefined()
  })

  test('a refusal of an earlier attempt that had answered (the row is not uncertain) is ignored', async () => {
    // No participant answers; the replies are written here.
    const transport = createMemoryTransport({ drop: (ch) => ch === 'saga.participant.payments' })
    const { orch, clock } = await setUp('refusal_not_uncertain', transport)
    const failure = (attempt: number, error: ErrorRecord): SagaMessage => ({
      id: `f${attempt}-${error.code}`,
      key: 'r1',
      type: 'payments.charge.reply',
      headers: {},
      body: {
        sagaId: 'r1',
        sagaName: 'card',
        stepId: 'charge',
        direction: 'invoke',
        attempt,
        idempotencyKey: 'r1:charge',
        outcome: 'failed',
        error,
      },
    })
    await orch.start('card', { orderId: 'o1', amount: 10 }, { sagaId: 'r1' })
    transport.publish('saga.replies', failure(1, { message: 'provider down', retryable: true }))
    await transport.idle()
    clock.advance(BACKOFF_MS)
    await orch.runDue() // attempt 2 is sent
    await transport.idle()
    expect(await chargeRow(orch)).toMatchObject({ status: 'waiting', attempt: 2, uncertain: false })
    // A redelivered attempt 1 that met an entity lock: that refusal is not remembered, so attempt
    // 2 may still succeed, and a row that is not uncertain would not be compensated.
    const locked = { message: 'locked', code: 'E_SAGA_ENTITY_LOCKED', retryable: false }
    transport.publish('saga.replies', failure(1, locked))
    await transport.idle()
    expect(await chargeRow(orch)).toMatchObject({ status: 'waiting', attempt: 2 })
    expect((await orch.history('r1')).at(-1)?.kind).toBe('reply.ignored')
  })

  test("resume() of a saga whose compensation was refused hears the participant's refusal again at once, not a timeout", async () => {
    const pool = await db.fresh('refused_compensation')
    const transport = createMemoryTransport()
    const refundCalls: number[] = []
    const billing = defineParticipant('billing', {
      'billing.charge': () => Promise.resolve({ charged: true }),
      'billing.refund': ({ attempt }) => {
        refundCalls.push(attempt)
        return Promise.reject(rejectStep('refund refused: the account is closed'))
      },
    })
    await createParticipant({ db: pool, transport, definition: billing }).listen()
    const saga = defineSaga<Card>('refund')
      .step('charge', {
        invoke: command('billing', 'billing.charge'),
        compensate: command('billing', 'billing.refund'),
        timeoutMs: STEP_TIMEOUT_MS,
      })
      .step('approve', {
        invoke: () => Promise.reject(rejectStep('approval refused')),
      })
    const clock = new FakeClock()
    const orch = createOrchestrator({ db: pool, sagas: [saga], transport, clock, concurrency: 0 })
    await orch.listen()
    await orch.start('refund', { orderId: 'o1', amount: 10 }, { sagaId: 'r1' })
    await transport.idle()
    const failed = await orch.get('r1')
    expect(failed).toMatchObject({ state: 'FAILED', failedPhase: 'backward', failedStep: 'charge' })
    expect(failed?.error?.message).toBe('refund refused: the account is closed')

    await orch.resume('r1')
    await transport.idle()
    // No time passed: the answer to the resumed attempt is the participant's stored refusal.
    const again = await orch.get('r1')
    expect(again?.state).toBe('FAILED')
    expect(again?.error).toMatchObject({
      message: 'refund refused: the account is closed',
      code: 'E_SAGA_STEP_REJECTED',
    })
    const refund = again?.steps.find(
      (step) => step.stepId === 'charge' && step.direction === 'compensate',
    )
    expect(refund?.attempt).toBe(2)
    expect(
      (await orch.history('r1')).filter((entry) => entry.kind === 'step.timeout'),
    ).toHaveLength(0)
    // The refusal is remembered: the handler ran once, for attempt 1.
    expect(refundCalls).toEqual([1])
  })
})

// The participant replays every stored answer, successes included, under the asking attempt.
test('a stored success is replayed under the attempt that asked', async () => {
  const transport = createMemoryTransport({ drop: () => true })
  const pool: pg.Pool = await db.fresh('replay_success')
  await createShopTables(pool)
  const [, payments] = await startParticipants(pool, transport)
  const charge = (attempt: number): SagaMessage => ({
    id: `m${attempt}`,
    key: 's1',
    type: 'payments.charge',
    headers: {},
    body: {
      sagaId: 's1',
      sagaName: 'card',
      stepId: 'charge',
      direction: 'invoke',
      attempt,
      idempotencyKey: 's1:charge',
      replyTo: 'saga.replies',
      payload: { orderId: 'o1', amount: 10, decline: false },
    },
  })
  const sent = () => transport.sent.filter((step) => step.channel === 'saga.replies')
  await payments!.handle(charge(1))
  await payments!.handle(charge(3))
  expect(sent().map((step) => (step.message.body as { attempt: number }).attempt)).toEqual([1, 3])
  expect(sent().map((step) => (step.message.body as { outcome: string }).outcome)).toEqual([
    'ok',
    'ok',
  ])
  expect(await count(pool, 'SELECT count(*) n FROM payment')).toBe(1)
})
