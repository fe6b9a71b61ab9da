/**
 * Invalidation driven by sync-kit events:
 * `import { applyEvent } from '@faultline/cache-kit/sync-kit'`. Turns a consumed event into
 * `applyChange()` at the aggregate's version and commit LSN. `@faultline/sync-kit` is an optional
 * peer dependency that this module only names in types: it loads nothing of it.
 */
export { applyEvent } from './adapters/sync-kit-apply.js'
export type { ApplyEventOptions, EventChangeResult } from './adapters/sync-kit-apply.js'
export { changeFromEvent } from './adapters/sync-kit-change.js'
export type { SyncKitEvent } from './adapters/sync-kit-change.js'
export type { ChangeEvent, ChangeResult } from './invalidator.js'
