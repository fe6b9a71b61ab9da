import { existsSync } from 'node:fs'
import { request } from 'undici'
import { readStateFile } from '../../targets/topology/index.js'
import { ownerAlive } from './owner.js'
import { upFiles } from './up-state.js'

async function readiness(url: string): Promise<string> {
  try {
    const response = await request(`${url}/readyz`, { headersTimeout: 2_000, bodyTimeout: 2_000 })
    await response.body.dump()
    return response.statusCode === 200 ? 'ready' : `not ready (${response.statusCode})`
  } catch (error) {
    return `unreachable (${(error as Error).message})`
  }
}

/**
 * `faultline status`: whether a topology is up from `--dir`, and each endpoint's `/readyz`.
 * Exit 0 when it is up and every endpoint is ready, 1 otherwise.
 */
export async function statusCommand(
  flags: { dir?: string; json?: boolean },
  stdout: NodeJS.WritableStream,
): Promise<number> {
  const files = upFiles(flags.dir)
  const state = existsSync(files.state) ? readStateFile(files.state) : undefined
  const up = state !== undefined && ownerAlive(state.ownerPid)
  const endpoints = up ? Object.entries(state.endpoints) : []
  const ready = await Promise.all(
    endpoints.map(async ([name, url]) => ({ name, url, state: await readiness(url) })),
  )
  const healthy = up && ready.every((entry) => entry.state === 'ready')
  if (flags.json === true) {
    stdout.write(
      `${JSON.stringify({ up, healthy, dir: files.dir, ownerPid: state?.ownerPid, endpoints: ready })}\n`,
    )
    return healthy ? 0 : 1
  }
  if (!up) {
    stdout.write(`no topology is up from ${files.dir}; start one with \`faultline up\`\n`)
    return 1
  }
  stdout.write(
    `topology up since ${state.startedAt} (pid ${state.ownerPid}), logs in ${state.runDir}\n`,
  )
  const width = Math.max(...ready.map((entry) => entry.name.length))
  for (const entry of ready)
    stdout.write(`  ${entry.name.padEnd(width)}  ${entry.url}  ${entry.state}\n`)
  return healthy ? 0 : 1
}
