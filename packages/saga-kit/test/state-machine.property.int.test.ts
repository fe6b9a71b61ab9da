import fc from 'fast-check'
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
  type SagaDefinition,
  type StepOptions,
  type SagaMessage,
} from '@faultline/saga-kit'
import { SimulatedCrash, withFaultHook } from '@faultline/saga-kit/testing'
import { FakeClock, startTestDb, type TestDb } from './support/harness.js'
import {
  model,
  type CompOutcome,
  type Failure,
  type FwdOutcome,
  type ModelStep,
} from './support/model.js'

const RUNS = Number(process.env.SAGA_PROPERTY_RUNS ?? 80)

let db: TestDb
let pool: pg.Pool
beforeAll(async () => {
  db = await startTestDb()
  pool = db.pool
  await pool.query(
    'CREATE TABLE prop_effect (id bigserial PRIMARY KEY, saga_id text, step_id text, direction text)',
  )
})
afterAll(async () => db?.stop())

const fwdLocal = fc.constantFrom<FwdOutcome>('ok', 'ok', 'fail', 'reject')
const fwdCommand = fc.constantFrom<FwdOutcome>(
  'ok',
  'ok',
  'fail',
  'reject',
  'lost-command',
  'lost-reply',
  'lost-reject',
)
const compLocal = fc.constantFrom<CompOutcome>('ok', 'ok', 'fail')
const compCommand = fc.constantFrom<CompOutcome>('ok', 'ok', 'fail', 'lost-command', 'lost-reply')

const stepArb = (index: number) =>
  fc
    .record({
      mode: fc.constantFrom('local' as const, 'command' as const),
      attempts: fc.integer({ min: 1, max: 3 }),
      compAttempts: fc.integer({ min: 1, max: 3 }),
      hasCompensation: fc.boolean(),
    })
    .chain((step) =>
      fc
        .record({
          fwd: fc.array(step.mode === 'local' ? fwdLocal : fwdCommand, {
            minLength: step.attempts,
            maxLength: step.attempts,
          }),
          comp: fc.array(step.mode === 'local' ? compLocal : compCommand, {
            minLength: step.compAttempts,
            maxLength: step.compAttempts,
          }),
        })
        .map((options) => ({
          id: `s${index}`,
          mode: step.mode,
          hasCompensation: step.hasCompensation,
          ...options,
        })),
    )

const sagaArb = fc.integer({ min: 1, max: 5 }).chain((stepCount) =>
  fc
    .record({
      steps: fc.tuple(...Array.from({ length: stepCount }, (_, index) => stepArb(index))),
      pivot: fc.integer({ min: -1, max: stepCount - 1 }),
      crashes: fc.uniqueArray(fc.integer({ min: 1, max: 15 }), { maxLength: 3 }),
      participantCrashes: fc.uniqueArray(fc.integer({ min: 1, max: 8 }), { maxLength: 2 }),
    })
    .map(({ steps, pivot, crashes, participantCrashes }) => ({
      steps: steps.map((step, index): ModelStep => {
        const kind =
          pivot < 0 || index < pivot ? 'compensatable' : index === pivot ? 'pivot' : 'retriable'
        return { ...step, kind, hasCompensation: kind === 'compensatable' && step.hasCompensation }
      }),
      crashes,
      participantCrashes,
    })),
)

type Script = Map<string, ModelStep>
const scripts = new Map<string, Script>() // by sagaId

async function effect(
  client: pg.PoolClient,
  sagaId: string,
  stepId: string,
  direction: string,
): Promise<void> {
  await client.query('INSERT INTO prop_effect (saga_id, step_id, direction) VALUES ($1,$2,$3)', [
    sagaId,
    stepId,
    direction,
  ])
}

function outcomeOf(sagaId: string, stepId: string, direction: string, attempt: number): FwdOutcome {
  const step = scripts.get(sagaId)?.get(stepId)
  const list: readonly FwdOutcome[] = (direction === 'invoke' ? step?.fwd : step?.comp) ?? []
  return list[attempt - 1] ?? 'fail'
}

function act(options: FwdOutcome): void {
  if (options === 'fail') throw new Error('transient failure')
  if (options === 'reject' || options === 'lost-reject') throw rejectStep('rejected')
}

const FAILURES: Record<string, Failure> = {
  E_SAGA_STEP_REJECTED: 'rejected',
  E_SAGA_STEP_TIMEOUT: 'timeout',
}

/** Why the saga's failed forward step failed, from its error code; null when none failed. */
async function failureOf(sagaId: string): Promise<Failure | null> {
  const { rows } = await pool.query<{ code: string | null }>(
    `SELECT error->>'code' AS code FROM saga.step
     WHERE saga_id = $1 AND direction = 'invoke' AND status = 'failed'`,
    [sagaId],
  )
  if (rows[0] === undefined) return null
  return FAILURES[rows[0].code ?? ''] ?? 'failed'
}

function buildSaga(name: string, steps: readonly ModelStep[]): SagaDefinition<unknown> {
  let def = defineSaga<unknown>(name)
  for (const modelStep of steps) {
    const local =
      (direction: 'invoke' | 'compensate') =>
      async (ctx: { sagaId: string; attempt: number; tx: { client: pg.PoolClient } }) => {
        act(outcomeOf(ctx.sagaId, modelStep.id, direction, ctx.attempt))
        await effect(ctx.tx.client, ctx.sagaId, modelStep.id, direction)
      }
    const opts: StepOptions<unknown> = {
      kind: modelStep.kind,
      invoke:
        modelStep.mode === 'local'
          ? local('invoke')
          : command('prop', 'prop.do', () => ({ step: modelStep.id })),
      compensate: !modelStep.hasCompensation
        ? undefined
        : modelStep.mode === 'local'
          ? local('compensate')
          : command('prop', 'prop.undo', () => ({ step: modelStep.id })),
      timeoutMs: 1_000,
      retry: { maxAttempts: modelStep.fwd.length, initialDelayMs: 10, maxDelayMs: 100 },
      compensationRetry: {
        maxAttempts: modelStep.comp.length,
        initialDelayMs: 10,
        maxDelayMs: 100,
      },
    }
    def = def.step(modelStep.id, opts)
  }
  return def
}

describe('saga state machine (fast-check, real Postgres)', () => {
  test(`terminal state, the failed step's reason and compensations match the reference model under random outcomes and crashes (${RUNS} runs; SAGA_PROPERTY_RUNS=N for more)`, async () => {
    let run = 0
    const tally: Record<string, number> = { crashes: 0, participantCrashes: 0 }
    const dropped = new Set<string>()
    await fc.assert(
      fc.asyncProperty(sagaArb, async ({ steps, crashes, participantCrashes }) => {
        run++
        const sagaId = `prop-${run}`
        scripts.set(sagaId, new Map(steps.map((step) => [step.id, step])))
        const drop = (channel: string, message: SagaMessage): boolean => {
          const right = message.body as {
            sagaId: string
            stepId: string
            direction: string
            attempt: number
            outcome?: string
          }
          if (right.sagaId !== sagaId) return false
          const options = outcomeOf(sagaId, right.stepId, right.direction, right.attempt)
          const isReply = channel === 'saga.replies'
          const key = `${sagaId}/${right.stepId}/${right.direction}/${right.attempt}/${isReply}`
          const lost = isReply
            ? options === 'lost-reply' || options === 'lost-reject'
            : options === 'lost-command'
          if (lost && !dropped.has(key)) return (dropped.add(key), true)
          return false
        }
        const transport = createMemoryTransport({ drop, redeliveryDelayMs: 1 })
        const clock = new FakeClock()
        let points = 0
        let pPoints = 0
        const orch = createOrchestrator(
          withFaultHook(
            {
              db: pool,
              sagas: [buildSaga(`prop${run}`, steps)],
              transport,
              clock,
              concurrency: 0,
              leaseMs: 1e12,
            },
            () => {
              if (crashes.includes(++points)) throw new SimulatedCrash(`crash at point ${points}`)
            },
          ),
        )
        const participant = createParticipant(
          withFaultHook(
            {
              db: pool,
              transport,
              clock,
              definition: defineParticipant('prop', {
                'prop.do': async ({ tx, sagaId: id, stepId, attempt }) => {
                  act(outcomeOf(id, stepId, 'invoke', attempt))
                  await effect(tx.client, id, stepId, 'invoke')
                },
                'prop.undo': async ({ tx, sagaId: id, stepId, attempt }) => {
                  act(outcomeOf(id, stepId, 'compensate', attempt))
                  await effect(tx.client, id, stepId, 'compensate')
                },
              }),
            },
            (point) => {
              if (point === 'participant:after-effect' && participantCrashes.includes(++pPoints))
                throw new SimulatedCrash('participant crash')
            },
          ),
        )
        await orch.listen()
        await participant.listen()
        try {
          let state: string | undefined
          for (let index = 0; index < 200; index++) {
            state = (await orch.get(sagaId))?.state
            if (state === undefined)
              await orch.start(`prop${run}`, {}, { sagaId }).catch((error: unknown) => {
                if (!(error instanceof SimulatedCrash)) throw error
              })
            await transport.idle()
            state = (await orch.get(sagaId))?.state
            if (state === 'COMPLETED' || state === 'COMPENSATED' || state === 'FAILED') break
            clock.advance(2_000)
            await orch.runDue()
          }
          const expected = model(steps)
          tally[expected.state] = (tally[expected.state] ?? 0) + 1
          tally.crashes! += crashes.filter((index) => index <= points).length
          tally.participantCrashes! += participantCrashes.filter((index) => index <= pPoints).length
          const { rows } = await pool.query<{ step_id: string; direction: string }>(
            'SELECT step_id, direction FROM prop_effect WHERE saga_id = $1 ORDER BY id',
            [sagaId],
          )
          const forward = rows.filter((row) => row.direction === 'invoke').map((row) => row.step_id)
          const comp = rows
            .filter((row) => row.direction === 'compensate')
            .map((row) => row.step_id)
          const failure = await failureOf(sagaId)
          expect({ state, failure, forward, comp }).toEqual({
            state: expected.state,
            failure: expected.failure,
            forward: expected.forwardEffects,
            comp: expected.compensations,
          })
        } finally {
          await orch.close()
          await participant.close()
        }
      }),
      { numRuns: RUNS },
    )
    console.log(
      `[saga-kit property] ${RUNS} runs (set SAGA_PROPERTY_RUNS for more):`,
      JSON.stringify(tally),
    )
  })
})
