import { existsSync } from 'node:fs'

let probe: Promise<string | undefined> | undefined

async function probeOnce(): Promise<string | undefined> {
  const host = process.env.DOCKER_HOST
  if ((host === undefined || host === '') && !existsSync('/var/run/docker.sock')) {
    return 'no Docker engine: DOCKER_HOST is unset and /var/run/docker.sock is absent'
  }
  try {
    const { getContainerRuntimeClient } = await import('testcontainers')
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('no answer within 5 s')), 5_000).unref(),
    )
    await Promise.race([getContainerRuntimeClient(), timeout])
    return undefined
  } catch (error) {
    return `no Docker engine answered: ${error instanceof Error ? error.message : String(error)}`
  }
}

/**
 * Why Docker cannot be used here, or undefined when an engine answers. Asked once per process,
 * because testcontainers' own probe takes seconds when no engine is there.
 */
export function dockerUnavailableReason(): Promise<string | undefined> {
  probe ??= probeOnce()
  return probe
}
