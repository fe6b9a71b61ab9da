import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CliError } from '../core/errors.js'

/** The benchmark areas `faultline bench` accepts. */
export const BENCH_AREAS = ['cache', 'sync', 'saga', 'topology'] as const

/** The repository root, when the CLI runs from a checkout (bench needs one). */
export function repoRoot(): string | undefined {
  let dir = fileURLToPath(new URL('.', import.meta.url))
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'bench', 'run-all.mjs'))) return dir
    dir = join(dir, '..')
  }
  return undefined
}

/** `faultline bench <area>`: runs bench/run-all.mjs for that area; resolves to its exit code. */
export async function benchCommand(
  area: string,
  extra: readonly string[],
  signal: AbortSignal,
): Promise<number> {
  if (!(BENCH_AREAS as readonly string[]).includes(area)) {
    throw new CliError(
      'E_CLI_INVALID_OPTION',
      `No benchmark area '${area}'; use one of: ${BENCH_AREAS.join(', ')}.`,
    )
  }
  const root = repoRoot()
  if (root === undefined) {
    throw new CliError(
      'E_CLI_UNSUPPORTED',
      'faultline bench runs the benchmarks of a Faultline checkout; run it from a clone of the repository.',
    )
  }
  if (!existsSync(join(root, 'bench', area, 'run.ts'))) {
    throw new CliError(
      'E_CLI_UNSUPPORTED',
      `bench/${area}/run.ts does not exist yet in ${root}; this area has no benchmark yet.`,
    )
  }
  const child = spawn(process.execPath, [join(root, 'bench', 'run-all.mjs'), area, ...extra], {
    cwd: root,
    stdio: 'inherit',
    signal,
  })
  return new Promise((resolve) => {
    child.on('error', () => resolve(1))
    child.on('exit', (code) => resolve(code ?? 1))
  })
}
