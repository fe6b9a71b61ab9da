/** The toxic kinds a {@link FaultProxy} understands; names and meaning follow Toxiproxy. */
export type ToxicType =
  'latency' | 'bandwidth' | 'slicer' | 'timeout' | 'reset_peer' | 'limit_data' | 'down'

/** Which way a toxic acts: `upstream` is client → server, `downstream` is server → client. */
export type ToxicStream = 'upstream' | 'downstream'

/** `latency`: every chunk is held `latencyMs ± jitterMs` after it reached the proxy. */
export interface LatencyAttributes {
  /** Added delay per chunk, in milliseconds. */
  readonly latencyMs: number
  /** Uniform random spread around `latencyMs`, in milliseconds. @default 0 */
  readonly jitterMs?: number
}

/** `bandwidth`: throughput is capped at `rateKBps` kilobytes (1000 bytes) per second. */
export interface BandwidthAttributes {
  /** Maximum rate in KB/s; must be at least 1. */
  readonly rateKBps: number
}

/** `slicer`: chunks are cut into pieces of `averageSize ± sizeVariation` bytes. */
export interface SlicerAttributes {
  /** Mean piece size in bytes; at least 1. */
  readonly averageSize: number
  /** Uniform random spread of the piece size in bytes; below `averageSize`. @default 0 */
  readonly sizeVariation?: number
  /** Pause between pieces, in microseconds (timers resolve to about 1 ms). @default 0 */
  readonly delayUs?: number
}

/** `timeout`: no data passes; the connection closes after `timeoutMs` (0 = stays open). */
export interface TimeoutAttributes {
  /** Time until the connection is closed, in milliseconds; 0 never closes. */
  readonly timeoutMs: number
}

/** `reset_peer`: once data reaches the toxic, the client is reset (TCP RST) after `timeoutMs`. */
export interface ResetPeerAttributes {
  /** Delay between the first chunk and the reset, in milliseconds. @default 0 */
  readonly timeoutMs?: number
}

/** `limit_data`: the connection closes once `bytes` bytes have passed in this direction. */
export interface LimitDataAttributes {
  /** Byte budget for the direction; at least 0. */
  readonly bytes: number
}

/** `down` takes no attributes: while present, the proxy refuses and drops connections. */
export type DownAttributes = Readonly<Record<string, never>>

/** Attribute shape for each {@link ToxicType}. */
export interface ToxicAttributesByType {
  latency: LatencyAttributes
  bandwidth: BandwidthAttributes
  slicer: SlicerAttributes
  timeout: TimeoutAttributes
  reset_peer: ResetPeerAttributes
  limit_data: LimitDataAttributes
  down: DownAttributes
}

/** What `addToxic()` accepts, discriminated on `type`. */
export type ToxicSpec = {
  [T in ToxicType]: {
    /** Unique name on this proxy. @default `${type}_${stream}` as in Toxiproxy */
    readonly name?: string
    readonly type: T
    /** Direction the toxic acts on. @default 'downstream' */
    readonly stream?: ToxicStream
    /** Probability (0..1) that the toxic applies to a given connection. @default 1 */
    readonly toxicity?: number
    readonly attributes: ToxicAttributesByType[T]
  }
}[ToxicType]

/** A toxic as the proxy holds it: every field resolved. */
export interface ToxicInfo {
  readonly name: string
  readonly type: ToxicType
  readonly stream: ToxicStream
  readonly toxicity: number
  /** Attributes with defaults filled in, e.g. `{ latencyMs: 100, jitterMs: 0 }`. */
  readonly attributes: Readonly<Record<string, number>>
}

/** What `updateToxic()` accepts: attributes merge over the current ones, as in Toxiproxy. */
export interface ToxicUpdate {
  /** New toxicity (0..1); live connections roll it again. */
  readonly toxicity?: number
  /** Attributes to change; the others keep their values. */
  readonly attributes?: Readonly<Record<string, number>>
}

/** Options of {@link createFaultProxy}. */
export interface FaultProxyOptions {
  /** The server to forward to, as `host:port` (`[::1]:port` for IPv6). */
  readonly upstream: string
  /** Port to listen on; 0 picks a free one. @default 0 */
  readonly listenPort?: number
  /** Interface to listen on. @default '127.0.0.1' */
  readonly listenHost?: string
  /** Source of randomness for toxicity, jitter and slice sizes. @default Math.random */
  readonly random?: () => number
}

/**
 * A TCP proxy with runtime faults. Toxic methods are async only because `down` re-listens; every
 * change is in force once the promise settles. Toxic changes reach live connections; bytes keep their
 * order; a direction buffers at most a bounded amount before it stops reading (TCP backpressure).
 */
export interface FaultProxy {
  /** `host:port` clients connect to. */
  readonly url: string
  /** Address the proxy listens on. */
  readonly host: string
  /** Port the proxy listens on; kept across `setDown(true)` / `setDown(false)`. */
  readonly port: number
  /** The upstream as given, `host:port`. */
  readonly upstream: string
  /** Adds a toxic and returns its name; it applies to live and future connections. */
  addToxic(spec: ToxicSpec): Promise<string>
  /** Changes a toxic's attributes or toxicity; live connections restart it with the new values. */
  updateToxic(name: string, update: ToxicUpdate): Promise<ToxicInfo>
  /** Removes a toxic; data it was holding is released. */
  removeToxic(name: string): Promise<void>
  /** The toxics in the order they act. */
  toxics(): ToxicInfo[]
  /** Removes every toxic and brings the proxy up, like Toxiproxy's reset. */
  reset(): Promise<void>
  /** Down: close the listener (clients get ECONNREFUSED) and drop connections. Up: listen again. */
  setDown(down: boolean): Promise<void>
  /** True while the listener is closed (down, closed, or a failed re-listen). */
  readonly isDown: boolean
  /** Number of open client connections. */
  connections(): number
  /** Closes the listener and every socket. Idempotent. */
  close(): Promise<void>
}
