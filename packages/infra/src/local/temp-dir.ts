import { chownSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { trackDir } from './cleanup.js'

/** A fresh temp dir for one server, removed when the test process exits; chowned if asked. */
export function makeServerDir(service: string, owner?: { uid: number; gid: number }): string {
  const dir = mkdtempSync(join(tmpdir(), `faultline-${service}-`))
  trackDir(dir)
  if (owner !== undefined) chownSync(dir, owner.uid, owner.gid)
  return dir
}
