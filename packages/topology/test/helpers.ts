import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Agent, request } from 'undici'
import type { ServiceDefinition } from '../src/index.js'

/** The fixture service's entry, run under tsx by the supervisor. */
export const ECHO_ENTRY = fileURLToPath(new URL('./fixtures/echo-service.ts', import.meta.url))

/** A fresh run dir for one test file; removed by {@link removeRunDir}. */
export function makeRunDir(): string {
  return mkdtempSync(join(tmpdir(), 'faultline-topology-test-'))
}

/** Removes a run dir made by {@link makeRunDir}. */
export function removeRunDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}

/** The echo service, with overrides. */
export function echoService(overrides: Partial<ServiceDefinition> = {}): ServiceDefinition {
  return { name: 'echo', entry: ECHO_ENTRY, readyTimeoutMs: 90_000, ...overrides }
}

/** A keep-alive client, like a real caller's. */
export const client = new Agent({ keepAliveTimeout: 10_000, connections: 64 })

/** One request; returns the status and parsed JSON (or the error's code when it failed). */
export async function call(
  base: string,
  path: string,
  init: {
    method?: 'GET' | 'POST' | 'PUT'
    body?: unknown
    headers?: Readonly<Record<string, string>>
  } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await request(new URL(path, base), {
    dispatcher: client,
    method: init.method ?? 'GET',
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  })
  const text = await response.body.text()
  let body: Record<string, unknown> = {}
  try {
    body = JSON.parse(text) as Record<string, unknown>
  } catch {
    body = { text }
  }
  return { status: response.statusCode, body }
}

/** Waits until `check` holds, polling; fails naming `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await Promise.resolve(check())) return
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Whether `pid` is alive (not a zombie), from /proc. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]
    return state !== 'Z' && state !== 'X'
  } catch {
    return false
  }
}
