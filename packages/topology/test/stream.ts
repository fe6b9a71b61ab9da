import { call } from './helpers.js'

/** One answer of a request stream. */
export interface StreamSample {
  readonly at: number
  readonly ok: boolean
  readonly instance?: string
  readonly error?: string
}

/** A steady stream of requests through a balancer, as `concurrency` back-to-back loops. */
export interface RequestStream {
  readonly samples: StreamSample[]
  /** Failures so far (non-200 answers and request errors). */
  failures(): StreamSample[]
  /** Successful answers so far. */
  oks(): number
  stop(): Promise<void>
}

/** A request the stream repeats. */
export interface StreamRequest {
  readonly path: string
  readonly method?: 'GET' | 'POST'
  readonly body?: unknown
  /** E.g. `{ authorization: 'Bearer …' }`. */
  readonly headers?: Readonly<Record<string, string>>
}

/** Starts `concurrency` loops of `request` (a GET of a path by default) on `base` until stopped. */
export function startStream(
  base: string,
  request: string | StreamRequest = '/whoami',
  concurrency = 4,
): RequestStream {
  const { path, ...init } = typeof request === 'string' ? { path: request } : request
  const expected = init.method === 'POST' ? 201 : 200
  const samples: StreamSample[] = []
  let running = true
  const loop = async () => {
    while (running) {
      try {
        const { status, body } = await call(base, path, init)
        const instance = typeof body.instance === 'string' ? body.instance : undefined
        samples.push({
          at: Date.now(),
          ok: status === expected,
          instance,
          error: `status ${status}`,
        })
      } catch (error) {
        samples.push({ at: Date.now(), ok: false, error: String(error) })
      }
    }
  }
  const loops = Array.from({ length: concurrency }, loop)
  return {
    samples,
    failures: () => samples.filter((s) => !s.ok),
    oks: () => samples.filter((s) => s.ok).length,
    async stop() {
      running = false
      await Promise.all(loops)
    },
  }
}
