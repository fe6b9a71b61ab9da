import type { RunEvent } from '../../core/events.js'
import { emptyDashboard, reduceDashboard, type DashboardModel } from '../../core/dashboard-model.js'

/** Timers the store uses; tests pass fake ones. */
export interface StoreTimers {
  now(): number
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** Options of {@link DashboardStore}. */
export interface DashboardStoreOptions {
  /** The least time between two published models, ms. @default 250 (4 redraws a second) */
  readonly minIntervalMs?: number
  /** @default the global timers and Date.now */
  readonly timers?: StoreTimers
}

const REAL_TIMERS: StoreTimers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms)
    handle.unref()
    return handle
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

/**
 * The dashboard's source of truth: events are folded into a model as they come, but subscribers
 * (the ink component) hear of it at most once per `minIntervalMs`, so a burst of events costs one
 * redraw. The last change of a burst is never lost: it is published when the interval is up.
 * Shaped for React's `useSyncExternalStore`.
 */
export class DashboardStore {
  private model: DashboardModel = emptyDashboard()
  private published: DashboardModel = this.model
  private readonly listeners = new Set<() => void>()
  private lastPublishAt = Number.NEGATIVE_INFINITY
  private timer: unknown
  private readonly minIntervalMs: number
  private readonly timers: StoreTimers
  /** How many models were published (each one is at most one redraw). */
  publishes = 0

  constructor(options: DashboardStoreOptions = {}) {
    this.minIntervalMs = options.minIntervalMs ?? 250
    this.timers = options.timers ?? REAL_TIMERS
  }

  /** Folds an event in; publishes now or when the interval is up. */
  push(event: RunEvent): void {
    this.model = reduceDashboard(this.model, event)
    if (this.timer !== undefined) return
    const wait = this.lastPublishAt + this.minIntervalMs - this.timers.now()
    if (wait <= 0) this.publish()
    else this.timer = this.timers.setTimeout(() => this.publish(), wait)
  }

  /** Publishes what is pending at once (the run ended: the last frame must be complete). */
  flush(): void {
    if (this.model !== this.published) this.publish()
  }

  /** For `useSyncExternalStore`: subscribe, returns unsubscribe. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** For `useSyncExternalStore`: the last published model. */
  readonly getSnapshot = (): DashboardModel => this.published

  /** Stops a pending publish (the dashboard is closing). */
  close(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer)
    this.timer = undefined
  }

  private publish(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer)
    this.timer = undefined
    this.lastPublishAt = this.timers.now()
    this.published = this.model
    this.publishes++
    for (const listener of this.listeners) listener()
  }
}
