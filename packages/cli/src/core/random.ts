/**
 * The run's seeded randomness. One seed makes the whole run: each consumer (the fault schedule,
 * each workload's operation mix) takes its own stream forked from the root by a label, so the
 * schedule and the mix are the same for a seed whatever order concurrent work happens in.
 */
export interface SeededRandom {
  /** The seed this stream was made from. */
  readonly seed: number
  /** A float in [0, 1). */
  next(): number
  /** An integer in [0, n). */
  int(n: number): number
  /** An index into `weights`, chosen with probability proportional to its weight. */
  weighted(weights: readonly number[]): number
  /** An independent stream for `label`; the same seed and label always give the same stream. */
  fork(label: string): SeededRandom
}

/** The largest seed; seeds are unsigned 32-bit integers. */
export const MAX_SEED = 0xffff_ffff

/** Makes the root stream of a run (sfc32 seeded through splitmix32). */
export function createRandom(seed: number): SeededRandom {
  const mix = splitmix32(seed >>> 0)
  let a = mix()
  let b = mix()
  let c = mix()
  let d = mix()
  const next = (): number => {
    a >>>= 0
    b >>>= 0
    c >>>= 0
    d >>>= 0
    let t = (a + b) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    d = (d + 1) | 0
    t = (t + d) | 0
    c = (c + t) | 0
    return (t >>> 0) / 4_294_967_296
  }
  return {
    seed: seed >>> 0,
    next,
    int: (n) => Math.floor(next() * n),
    weighted: (weights) => pickWeighted(weights, next()),
    fork: (label) => createRandom((seed ^ fnv1a(label)) >>> 0),
  }
}

/** A fresh seed for a run that was not given one. */
export function randomSeed(): number {
  return Math.floor(Math.random() * MAX_SEED) >>> 0
}

function pickWeighted(weights: readonly number[], roll: number): number {
  const total = weights.reduce((sum, w) => sum + w, 0)
  let point = roll * total
  for (let index = 0; index < weights.length; index++) {
    point -= weights[index] as number
    if (point < 0) return index
  }
  // Rounding can leave point at exactly 0 after the last weight; the last positive weight wins.
  for (let index = weights.length - 1; index >= 0; index--)
    if ((weights[index] as number) > 0) return index
  return 0
}

function splitmix32(seed: number): () => number {
  let state = seed
  return () => {
    state = (state + 0x9e3779b9) | 0
    let z = state
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}
