export { topologyProvider } from './provider.js'
export type { TopologyProviderOptions } from './provider.js'
export { createTopologyTarget } from './target.js'
export type { TopologyTargetParts } from './target.js'
export { describeTopology } from './description.js'
export {
  STATE_FILE_NAME,
  STATE_FILE_VERSION,
  readStateFile,
  writeStateFile,
} from './state-file.js'
export type { StateDatabaseName, TopologyStateFile } from './state-file.js'
export type { TopologyAccess } from './access.js'
