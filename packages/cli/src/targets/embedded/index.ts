/** The embedded target: the catalog-order system in one process from the kits' in-memory parts. */
export { createEmbeddedTarget } from './target.js'
export type { EmbeddedTargetOptions } from './target.js'
export { EMBEDDED_DESCRIPTION } from './description.js'
