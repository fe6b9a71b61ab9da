import { readFile } from 'node:fs/promises'
import { InfraError, isInfraError } from '../errors.js'

const MAX_LINES = 24

/**
 * The ERROR lines of a worker log, each with the exception messages under it (`Caused by:`
 * included) but without stack frames. A failed start's log ends in shutdown chatter and, for a
 * connector config that fails validation, in an NPE of Connect's own (AbstractHerder in 4.3.1)
 * that hides the reason, such as `FATAL: database "x" does not exist`, logged further up.
 */
export function errorLines(log: string): string[] {
  const out: string[] = []
  let inError = false
  for (const line of log.split('\n')) {
    if (line.startsWith('[')) inError = / ERROR /.test(line)
    else if (/^\s+(at |\.\.\. \d+ more)/.test(line) || line.trim() === '') continue
    if (inError && !out.includes(line)) out.push(line.replace(/^\[[^\]]*\] /, ''))
  }
  return out.slice(0, MAX_LINES)
}

/**
 * Rewrites a startup error of the worker so that its message leads with the log's ERROR lines;
 * the log tail stays in `context.logTail`. Other errors pass through unchanged.
 */
export async function explainStartupFailure(error: unknown, logFile: string): Promise<unknown> {
  if (!isInfraError(error) || !error.code.startsWith('E_INFRA_STARTUP')) return error
  const log = await readFile(logFile, 'utf8').catch(() => '')
  const errors = errorLines(log)
  if (errors.length === 0) return error
  const headline = (error.message.split('\n')[0] ?? '').replace(/\s*Last lines of its log:$/, '')
  return new InfraError(
    error.code,
    `${headline}\nErrors in the worker's log:\n  ${errors.join('\n  ')}`,
    { context: error.context, cause: error, retryable: error.retryable },
  )
}
