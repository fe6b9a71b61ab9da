import { catalogReadStorm } from './library/catalog-read-storm.js'
import { hotKeyStampede } from './library/hot-key-stampede.js'
import { staleSetRace } from './library/stale-set-race.js'
import { replicaLagRyw } from './library/replica-lag-ryw.js'
import { redisOutage } from './library/redis-outage.js'
import { kafkaRestart } from './library/kafka-restart.js'
import { relayCrashLoop } from './library/relay-crash-loop.js'
import { orderSagaHappy } from './library/order-saga-happy.js'
import { paymentFailures } from './library/payment-failures.js'
import { orchestratorCrashLoop } from './library/orchestrator-crash-loop.js'
import { flashSaleNoOversell } from './library/flash-sale-no-oversell.js'
import { readModelConvergence } from './library/read-model-convergence.js'
import { authAbuse } from './library/auth-abuse.js'
import { inputFuzz } from './library/input-fuzz.js'
import type { Scenario } from './types.js'

/**
 * The scenario library, in the order `faultline list` shows it: caching first, then the change
 * stream, then sagas, then hostile clients. Each scenario lives in its own file under
 * `src/library/`.
 */
export const scenarioLibrary: readonly Scenario[] = [
  catalogReadStorm,
  hotKeyStampede,
  staleSetRace,
  replicaLagRyw,
  redisOutage,
  kafkaRestart,
  relayCrashLoop,
  orderSagaHappy,
  paymentFailures,
  orchestratorCrashLoop,
  flashSaleNoOversell,
  readModelConvergence,
  authAbuse,
  inputFuzz,
]

/** The library scenario called `name`, or undefined. */
export function findScenario(
  name: string,
  library: readonly Scenario[] = scenarioLibrary,
): Scenario | undefined {
  return library.find((scenario) => scenario.name === name)
}
