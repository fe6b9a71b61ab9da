import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'

/**
 * An AppCDS archive of the broker's loaded classes, kept next to the cached jars. Loading ~6,000
 * classes from jars is most of a cold broker start; mapping them from an archive cut the time to
 * the first admin answer from ~18 s to ~10 s on 2 busy cores (and StorageTool from ~5.5 s to
 * ~2.5 s). The first broker that exits cleanly writes the archive; later JVMs map it. The JVM
 * checks the archive against its own build and the classpath and ignores one that does not fit,
 * so a stale archive costs speed, never correctness. `-Xshare:off` in
 * `FAULTLINE_KAFKA_JVM_OPTS` turns it off.
 */
export class KafkaClassArchive {
  private readonly path: string
  private pending: string | undefined
  private static counter = 0

  constructor(java: string, libsDir: string) {
    this.path = join(dirname(libsDir), 'cds', `classes-${archiveKey(java, libsDir)}.jsa`)
  }

  /** Flags for a JVM that maps the archive when there is one, and never writes it. */
  useFlags(): string[] {
    return existsSync(this.path) ? [`-XX:SharedArchiveFile=${this.path}`] : []
  }

  /** Flags for a broker run: map the archive, or dump one at exit when there is none yet. */
  brokerFlags(): string[] {
    if (existsSync(this.path)) return this.useFlags()
    mkdirSync(dirname(this.path), { recursive: true })
    // A name of our own, so two processes dumping at once never write one file.
    this.pending = `${this.path}.${process.pid}-${KafkaClassArchive.counter++}.tmp`
    // The dump lists every class it skips as a warning: dozens of lines that would bury the log.
    return [`-XX:ArchiveClassesAtExit=${this.pending}`, '-Xlog:cds*=error']
  }

  /**
   * After a graceful exit of a dumping run, publishes its archive once a JVM has mapped it: a
   * truncated archive (the dump cut short by a kill) crashes every JVM that maps it, even under
   * `-Xshare:auto`. The rename is atomic, so readers see the whole archive or none.
   */
  async settle(graceful: boolean, verify: (flags: string[]) => Promise<boolean>): Promise<void> {
    const pending = this.pending
    this.pending = undefined
    if (pending === undefined || !existsSync(pending)) return
    const usable = graceful && (await verify(['-Xshare:on', `-XX:SharedArchiveFile=${pending}`]))
    if (usable && !existsSync(this.path)) renameSync(pending, this.path)
    else rmSync(pending, { force: true })
  }
}

/** Changes when the JVM or the jars do, so an upgrade gets a fresh archive. */
function archiveKey(java: string, libsDir: string): string {
  const javaPath = realpathSync(java)
  const marker = join(dirname(libsDir), 'libs.complete')
  const parts = [javaPath, statSync(javaPath).mtimeMs, mtimeOf(marker), libsDir]
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16)
}

function mtimeOf(path: string): number {
  try {
    return statSync(path).mtimeMs
  } catch {
    return 0
  }
}
