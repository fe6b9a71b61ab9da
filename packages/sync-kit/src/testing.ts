/**
 * Test helpers: `import { withFaultHook } from '@faultline/sync-kit/testing'`. Only test code
 * should import this module.
 */
export { withFaultHook } from './relay/faults.js'
export type { FaultHook, FaultPoint } from './relay/faults.js'
