import type { Findings } from './findings.js'
import type { AckedWrite, KeyIndex, KeyRead } from './staleness-key.js'
import type { Counterexample } from './verdict.js'

function shownVersion(version: number | null): string {
  return version === null ? 'not-found' : `version ${version}`
}

function ms(us: number): string {
  return `${Math.round(us / 100) / 10} ms`
}

/** The counterexample for a read older than the version `required` made visible. */
export function describeStale(
  key: string,
  read: KeyRead,
  required: AckedWrite,
  viaToken: boolean,
  windowMs: number,
): Counterexample {
  const what = required.isDelete ? 'delete' : 'write'
  const why = viaToken
    ? `it held the token of ${what} ${required.id} (version ${required.version})`
    : `${what} ${required.id} (version ${required.version}) was acknowledged ${ms(read.invokeTime - required.ackTime)} before the read began (window ${windowMs} ms)`
  return {
    message: `read ${read.id} of ${key} by process ${read.process} returned ${shownVersion(read.version)}, but ${why}`,
    key,
    historyIds: [read.id, required.id],
    detail: {
      process: read.process,
      readVersion: read.version,
      requiredVersion: required.version,
      requiredByDelete: required.isDelete,
      viaToken,
      readInvokeTime: read.invokeTime,
      writeAckTime: required.ackTime,
    },
  }
}

/**
 * One process's successive reads of `key` never go backwards: each returns at least the version
 * its previous read returned. Not-found after a version is allowed only when a delete of a newer
 * (or unknown) version began before that read returned.
 */
export function checkMonotonic(
  key: string,
  index: KeyIndex,
  reads: readonly KeyRead[],
  findings: Findings,
): void {
  const ordered = [...reads].sort((a, b) => a.process - b.process || a.invokeTime - b.invokeTime)
  let previous: KeyRead | undefined
  for (const read of ordered) {
    if (previous?.process !== read.process) previous = undefined
    if (previous !== undefined && wentBack(index, previous, read)) {
      findings.violation('nonMonotonic', {
        message: `process ${read.process} read ${key} as ${shownVersion(read.version)} (read ${read.id}) after ${shownVersion(previous.version)} (read ${previous.id})`,
        key,
        historyIds: [previous.id, read.id],
        detail: { process: read.process, before: previous.version, after: read.version },
      })
    }
    if (read.version !== null || previous === undefined) previous = read
  }
}

function wentBack(index: KeyIndex, previous: KeyRead, read: KeyRead): boolean {
  if (previous.version === null) return false
  if (read.version !== null) return read.version < previous.version
  return !index.deleteAfter(previous.version, read.completeTime)
}
