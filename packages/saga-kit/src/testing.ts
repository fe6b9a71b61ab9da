/**
 * Test helpers: `import { probeOrchestrator } from '@faultline/saga-kit/testing'`.
 * Only test code should import this module.
 */
export { probeOrchestrator } from './testing/probes.js'
export type { OrchestratorProbe } from './testing/probes.js'
export { faultHook, SimulatedCrash, withFaultHook } from './fault-hook.js'
export type { FaultHook, FaultInfo, FaultPoint } from './fault-hook.js'
