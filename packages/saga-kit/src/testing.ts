/**
 * Test helpers: `import { transportContract, withFaultHook } from '@faultline/saga-kit/testing'`.
 * The contract suite lets a third party check a `SagaTransport` adapter against the guarantees
 * sagas rely on; it imports `vitest` (an optional peer dependency), so only test code should
 * import this module.
 */
export { transportContract } from './testing/transport-contract.js'
export type { TransportFixture } from './testing/transport-contract.js'
export { faultHook, SimulatedCrash, withFaultHook } from './fault-hook.js'
export type { FaultHook, FaultInfo, FaultPoint } from './fault-hook.js'
export type { EntityLockCheck } from './participant-locks.js'
export { probeOrchestrator } from './testing/probes.js'
export type { OrchestratorProbe } from './testing/probes.js'
export { decide } from './core/planner.js'
export type { Decision } from './core/planner.js'
export { buildSagaMessage, decodeCommand, decodeReply } from './core/messages.js'
export type { CommandBody, ReplyBody, StepAddress } from './core/messages.js'
