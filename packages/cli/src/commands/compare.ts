import { compareRuns } from '../compare/compare.js'
import { parseTolerance, readSide } from '../compare/load-side.js'
import { renderComparison } from '../ui/compare-text.js'

/** The flags of `faultline compare`. */
export interface CompareFlags {
  readonly tolerance?: string
  readonly json?: boolean
}

/** Exit code when a metric regressed (the same as a failed threshold). */
const EXIT_REGRESSED = 99

/**
 * `faultline compare <baseline> <current>`: prints per metric the change and a verdict; exits 99
 * when a metric regressed beyond the tolerance, else 0.
 */
export function compareCommand(
  baselinePath: string,
  currentPath: string,
  flags: CompareFlags,
  stdout: NodeJS.WritableStream,
): number {
  const comparison = compareRuns(readSide(baselinePath), readSide(currentPath), {
    tolerance: parseTolerance(flags.tolerance ?? '10%'),
  })
  stdout.write(
    flags.json === true
      ? `${JSON.stringify({ type: 'comparison', ...comparison })}\n`
      : renderComparison(comparison),
  )
  return comparison.regressions.length > 0 ? EXIT_REGRESSED : 0
}
