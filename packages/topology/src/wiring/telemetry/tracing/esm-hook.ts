import { register } from 'node:module'

let registered = false

/**
 * Registers OpenTelemetry's ESM loader hook (import-in-the-middle) once per process, so modules
 * imported from now on can be patched. A CommonJS-only setup needs none; ESM services do.
 */
export function registerInstrumentationHook(): void {
  if (registered) return
  registered = true
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url)
}
