import type { ToxicType } from '../types.js'
import { bandwidth } from './bandwidth.js'
import { latency } from './latency.js'
import { limitData } from './limit-data.js'
import { resetPeer } from './reset-peer.js'
import { slicer } from './slicer.js'
import type { StageFactory } from './stage.js'
import { timeout } from './timeout.js'

/** Stage factory per data toxic; `down` acts on the listener, not on data, so it has none. */
export const STAGES: Readonly<Record<Exclude<ToxicType, 'down'>, StageFactory>> = {
  latency,
  bandwidth,
  slicer,
  timeout,
  reset_peer: resetPeer,
  limit_data: limitData,
}
