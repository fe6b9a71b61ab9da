/**
 * `@faultline/saga-kit/sync-kit`: the saga transport over sync-kit's outbox and inbox consumer,
 * kept apart so that sync-kit (and a broker client) load only when used.
 */
export { createSyncKitTransport, SAGA_EVENT_TYPE } from './adapters/sync-kit-transport.js'
export type { SyncKitTransport, SyncKitTransportOptions } from './adapters/sync-kit-transport.js'
