import { spawn } from 'node:child_process'
import { InfraError } from '../errors.js'

/** A one-shot command (mvn, StorageTool) whose failure must show its own output. */
export interface ToolRun {
  /** What the command does, for the error message, e.g. `mvn copy-dependencies`. */
  readonly what: string
  readonly command: string
  readonly args: readonly string[]
  readonly timeoutMs: number
  readonly cwd?: string
}

const TAIL_LINES = 40

/** Strips ANSI colour codes, which mvn prints even in batch mode. */
function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '')
}

/** The last lines of a command's combined output. */
export function outputTail(output: string, lines = TAIL_LINES): string {
  return plain(output).trimEnd().split('\n').slice(-lines).join('\n')
}

/**
 * Runs a command to completion and returns its combined output. A non-zero exit, a timeout or a
 * spawn failure becomes `E_INFRA_COMMAND_FAILED` carrying the output's tail.
 */
export function runTool(run: ToolRun): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(run.command, [...run.args], {
      cwd: run.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: run.timeoutMs,
      killSignal: 'SIGKILL',
    })
    const chunks: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk))
    child.once('error', (error) => reject(toolError(run, String(error), error)))
    child.once('close', (code, signal) => {
      const output = Buffer.concat(chunks).toString('utf8')
      if (code === 0) return resolve(output)
      const how = signal === null ? `exit code ${code}` : `signal ${signal} (timeout?)`
      reject(toolError(run, `${how}. Last lines of its output:\n${outputTail(output)}`))
    })
  })
}

function toolError(run: ToolRun, detail: string, cause?: unknown): InfraError {
  return new InfraError('E_INFRA_COMMAND_FAILED', `${run.what} failed: ${detail}`, {
    context: { service: 'kafka', command: run.command, logTail: outputTail(detail) },
    cause,
  })
}
