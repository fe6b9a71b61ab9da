import type { EngineDeps } from './engine-deps.js'
import { type Due, driveOn } from './drive.js'
import { lockStatements, snapshotOf } from './saga-rows.js'
import type { ChainedPass } from './tx-chain.js'

/**
 * Passes over one saga for a chain of saga-kit-owned transactions: each locks the instance row
 * and reads the step log in its opening (with the savepoint of the local step it starts with,
 * when it is known to start with one), drives the saga, and chains the next pass while more
 * is due and `running()`.
 */
export function sagaPasses(
  deps: EngineDeps,
  sagaId: string,
  running: () => boolean,
): { pass(due: Exclude<Due, false>): ChainedPass; after(due: Due): ChainedPass | null } {
  const after = (due: Due): ChainedPass | null => (due === false || !running() ? null : pass(due))
  const pass = (due: Exclude<Due, false>): ChainedPass => {
    const savepointSet = due === 'local'
    return {
      opening: lockStatements(sagaId) + (savepointSet ? ';\nSAVEPOINT saga_step' : ''),
      run: async (tx, opened) => {
        const snap = snapshotOf(opened)
        return after(snap === null ? false : await driveOn(deps, tx, snap, { savepointSet }))
      },
    }
  }
  return { pass, after }
}
