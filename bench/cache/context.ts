/** Every knob of one benchmark run (full or `--quick`). */
export interface BenchContext {
  readonly quick: boolean
  readonly redisUrl: string
  readonly pauseRedis: () => Promise<void>
  readonly resumeRedis: () => Promise<void>
  readonly steady: {
    readonly keys: number
    readonly concurrency: number
    readonly durationMs: number
    readonly warmupMs: number
    readonly l1Size: number
    readonly ttlMs: number
    readonly dbLatencyMs: number
  }
  readonly micro: { readonly durationMs: number; readonly concurrency: number }
  readonly herd: {
    readonly herds: number
    readonly callersPerProcess: number
    readonly loaderMs: number
  }
  readonly race: { readonly races: number }
  readonly pause: { readonly pauseMs: number; readonly concurrency: number; readonly keys: number }
}

/** The settings of a run. */
export function settings(quick: boolean) {
  return {
    steady: {
      keys: 10_000,
      concurrency: 32,
      durationMs: quick ? 1_500 : 8_000,
      warmupMs: quick ? 500 : 3_000,
      l1Size: 1_000,
      ttlMs: 60_000,
      dbLatencyMs: 1,
    },
    micro: { durationMs: quick ? 500 : 3_000, concurrency: 32 },
    herd: { herds: quick ? 3 : 20, callersPerProcess: 500, loaderMs: 100 },
    race: { races: quick ? 20 : 300 },
    pause: { pauseMs: quick ? 2_000 : 5_000, concurrency: 16, keys: 5_000 },
  } as const
}
