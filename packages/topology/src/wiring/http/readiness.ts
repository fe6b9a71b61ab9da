import { describeThrown } from '../../errors.js'

/** Answers whether one dependency of the service is ready; throwing counts as not ready. */
export type ReadinessCheck = () => boolean | Promise<boolean>

/** The outcome of one readiness check, as `/readyz` reports it. */
export interface CheckOutcome {
  readonly ready: boolean
  readonly error?: string
}

/** What `/readyz` answers. */
export interface ReadinessReport {
  readonly ready: boolean
  /** Set once shutdown began: the instance takes no new work. */
  readonly draining: boolean
  readonly checks: Readonly<Record<string, CheckOutcome>>
}

/**
 * The service's readiness checks (consumers subscribed, database migrated, ...). The service is
 * ready only when every check passes and it is not draining; a check that hangs counts as failed
 * after `checkTimeoutMs`, so a probe never hangs with it.
 */
export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>()
  private draining = false

  constructor(private readonly checkTimeoutMs: number) {}

  /** Adds a named check; a second check under one name is a mistake and throws. */
  add(name: string, check: ReadinessCheck): void {
    if (this.checks.has(name)) throw new Error(`readiness check "${name}" is already registered`)
    this.checks.set(name, check)
  }

  /** From now on the service reports not ready, so balancers and probes stop sending to it. */
  startDraining(): void {
    this.draining = true
  }

  /** Runs every check at once and reports each. */
  async report(): Promise<ReadinessReport> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => [name, await this.run(check)] as const),
    )
    const checks = Object.fromEntries(entries)
    const ready = !this.draining && entries.every(([, outcome]) => outcome.ready)
    return { ready, draining: this.draining, checks }
  }

  private async run(check: ReadinessCheck): Promise<CheckOutcome> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<CheckOutcome>((resolve) => {
      timer = setTimeout(
        () => resolve({ ready: false, error: `no answer in ${this.checkTimeoutMs} ms` }),
        this.checkTimeoutMs,
      )
    })
    try {
      const attempt = Promise.resolve()
        .then(check)
        .then((ready) => ({ ready: ready === true }))
      return await Promise.race([attempt, timeout])
    } catch (error) {
      return { ready: false, error: describeThrown(error) }
    } finally {
      clearTimeout(timer)
    }
  }
}
