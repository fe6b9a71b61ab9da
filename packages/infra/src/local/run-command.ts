import { execFile } from 'node:child_process'
import { InfraError } from '../errors.js'

/** Options for {@link runCommand}. */
export interface RunCommandOptions {
  readonly uid?: number
  readonly gid?: number
  readonly env?: NodeJS.ProcessEnv
  readonly cwd?: string
  /** @default 120000 */
  readonly timeoutMs?: number
}

/** Runs a command to completion; a non-zero exit becomes `E_INFRA_COMMAND_FAILED` with its output. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: RunCommandOptions = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...args],
      {
        uid: options.uid,
        gid: options.gid,
        env: options.env ?? process.env,
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error === null) return resolve(stdout)
        const output = `${stdout}${stderr}`.split('\n').slice(-30).join('\n').trim()
        reject(
          new InfraError(
            'E_INFRA_COMMAND_FAILED',
            `${command} ${args.join(' ')} failed: ${error.message}\n${output}`,
            {
              context: { command, logTail: output },
              cause: error,
            },
          ),
        )
      },
    )
  })
}
