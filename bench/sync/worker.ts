import { Worker } from 'node:worker_threads'

/** Workers do not inherit the TypeScript loader: a JS bootstrap registers it, then loads `file`. */
function startWorker(file: string, data: unknown): Worker {
  return new Worker(new URL('./ts-worker.mjs', import.meta.url), {
    execArgv: ['--conditions=@faultline/source'],
    workerData: { ...(data as object), entry: new URL(file, import.meta.url).href },
  })
}

/**
 * Runs `file` (a module under bench/sync) in a worker thread with `data` as its workerData and
 * resolves with the first message it posts. Writers and consumers are other services in a real
 * deployment; a thread gives each its own event loop, so their socket writes (about 0.1 ms of
 * CPU each on this machine) do not queue behind the relay's.
 */
export function runInWorker<T>(file: string, data: unknown): Promise<T> {
  const worker = startWorker(file, data)
  return new Promise<T>((resolve, reject) => {
    worker.once('message', (m: T) => {
      resolve(m)
      void worker.terminate()
    })
    worker.once('error', reject)
    worker.once('exit', (code) => reject(new Error(`worker ${file} exited with code ${code}`)))
  })
}

/** A long-lived worker that answers requests by message, for consumers polled during a step. */
export class WorkerChannel {
  readonly #worker: Worker
  #pending = new Map<number, (value: unknown) => void>()
  #next = 0
  #failed: Error | undefined

  constructor(file: string, data: unknown) {
    this.#worker = startWorker(file, data)
    this.#worker.on('message', (m: { id: number; value: unknown }) => {
      this.#pending.get(m.id)?.(m.value)
      this.#pending.delete(m.id)
    })
    this.#worker.on('error', (err) => (this.#failed = err))
  }

  /** Sends `request` and resolves with the worker's answer to it. */
  ask<T>(request: unknown): Promise<T> {
    if (this.#failed) return Promise.reject(this.#failed)
    const id = this.#next++
    return new Promise<T>((resolve) => {
      this.#pending.set(id, resolve as (value: unknown) => void)
      this.#worker.postMessage({ id, request })
    })
  }

  async close(): Promise<void> {
    await this.#worker.terminate()
  }
}
