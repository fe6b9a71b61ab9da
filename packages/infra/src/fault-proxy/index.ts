export { createFaultProxy } from './proxy-server.js'
export type {
  BandwidthAttributes,
  DownAttributes,
  FaultProxy,
  FaultProxyOptions,
  LatencyAttributes,
  LimitDataAttributes,
  ResetPeerAttributes,
  SlicerAttributes,
  TimeoutAttributes,
  ToxicAttributesByType,
  ToxicInfo,
  ToxicSpec,
  ToxicStream,
  ToxicType,
  ToxicUpdate,
} from './types.js'
