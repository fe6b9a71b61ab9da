import type { LoadBalancer } from '../lb/types.js'
import type { RestartPolicy } from './restart-policy.js'

/** Where one instance stands. */
export type InstanceState =
  | 'starting'
  | 'ready'
  | 'paused'
  | 'draining'
  | 'stopping'
  | 'restarting'
  | 'crashed'
  | 'failed'
  | 'stopped'

/** What a service's per-instance configuration is computed from. */
export interface InstanceInfo {
  readonly service: string
  /** 1, 2, ... in the order instances were added. */
  readonly index: number
  /** `<service>-<index>`. */
  readonly id: string
  readonly runDir: string
}

/** TLS client settings the supervisor's readiness probe uses for an `https://` instance. */
export interface ProbeTls {
  readonly ca?: string | Buffer
  readonly cert?: string | Buffer
  readonly key?: string | Buffer
  readonly servername?: string
}

/** One service the supervisor runs. */
export interface ServiceDefinition {
  /** The service's name, e.g. `catalog-query`. */
  readonly name: string
  /** Absolute path of the service's `main.ts` (run under tsx) or `main.js`. */
  readonly entry: string
  /** @default 1 */
  readonly instances?: number
  /** Services that must be ready before this one starts. */
  readonly dependsOn?: readonly string[]
  /**
   * The service's own configuration, or a function of the instance that returns it. The
   * supervisor adds `service`, `instance`, `host` and `port`, and passes the JSON document in
   * `FAULTLINE_SERVICE_CONFIG`.
   */
  readonly config?:
    | Readonly<Record<string, unknown>>
    | ((instance: InstanceInfo) => Readonly<Record<string, unknown>>)
  /** Extra environment, over the supervisor's own, or a function of the instance. */
  readonly env?: NodeJS.ProcessEnv | ((instance: InstanceInfo) => NodeJS.ProcessEnv)
  /** Node flags before the entry (e.g. `--max-old-space-size=256`). */
  readonly execArgv?: readonly string[]
  /** @default { restart: 'never' } */
  readonly restartPolicy?: RestartPolicy
  /** Start → listening → `/readyz` 200 must happen within this. @default 60000 */
  readonly readyTimeoutMs?: number
  /** After SIGTERM, SIGKILL when the instance has not exited by then. @default 15000 */
  readonly stopTimeoutMs?: number
  /** The instances that are ready are this balancer's backends. */
  readonly balancer?: LoadBalancer
  /** For services that serve HTTPS: how the readiness probe trusts and authenticates. */
  readonly probeTls?: ProbeTls
}

/** What the supervisor reports as it runs; events are `noun:pastTense`. */
export type SupervisorEvent =
  | InstanceEvent<'instance:started', { pid: number }>
  | InstanceEvent<'instance:ready', { pid: number; url: string }>
  | InstanceEvent<
      'instance:exited',
      { pid: number; code: number | null; signal: string | null; expected: boolean }
    >
  | InstanceEvent<'instance:restarting', { delayMs: number; attempt: number }>
  | InstanceEvent<'instance:failed', { reason: string }>
  | InstanceEvent<'instance:drained', Record<never, never>>

type InstanceEvent<Type extends string, Fields> = {
  readonly type: Type
  readonly service: string
  readonly instance: string
  /** Epoch ms. */
  readonly at: number
} & Readonly<Fields>
