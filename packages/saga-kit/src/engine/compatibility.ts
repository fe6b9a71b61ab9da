import type { Pool } from 'pg'
import type { SagaDefinition } from '../core/define-saga.js'
import { SagaKitError } from '../errors.js'

/**
 * Refuses definitions that dropped a step or step group an unfinished saga still needs: a step
 * with a row in its log (it may need compensating) or the group it is positioned at.
 */
export async function checkCompatibility(
  db: Pool,
  sagas: ReadonlyMap<string, SagaDefinition<unknown>>,
): Promise<void> {
  const { rows } = await db.query<{
    saga_name: string
    ref: string
    kind: string
    example: string
  }>(
    `SELECT i.saga_name, s.step_id AS ref, 'step' AS kind, min(i.saga_id) AS example
       FROM saga.instance i JOIN saga.step s USING (saga_id)
      WHERE i.state IN ('STASHED','RUNNING','COMPENSATING','FAILED') GROUP BY 1, 2
     UNION ALL
     SELECT saga_name, cursor, 'group', min(saga_id) FROM saga.instance
      WHERE state IN ('STASHED','RUNNING','COMPENSATING','FAILED') AND cursor IS NOT NULL GROUP BY 1, 2`,
  )
  const problems = rows.filter((row) => {
    const def = sagas.get(row.saga_name)
    if (def === undefined) return false // another service's saga
    return row.kind === 'step' ? def.findStep(row.ref) === undefined : def.groupIndex(row.ref) < 0
  })
  if (problems.length === 0) return
  const list = problems
    .map(
      (problem) =>
        `${problem.saga_name}: ${problem.kind} "${problem.ref}" (e.g. saga ${problem.example})`,
    )
    .join('; ')
  throw new SagaKitError(
    'E_SAGA_INCOMPATIBLE_DEFINITION',
    `The new definitions drop steps that unfinished sagas still need: ${list}. Keep them until those sagas finish.`,
    { context: { problems } },
  )
}
