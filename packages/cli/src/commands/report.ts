import { writeReport } from '../report/write-report.js'

/** `faultline report <run-dir> [--out file]`: writes report.html; returns the exit code. */
export async function reportCommand(
  runDir: string,
  flags: { readonly out?: string },
  stdout: NodeJS.WritableStream,
): Promise<number> {
  const file = await writeReport(runDir, flags.out)
  stdout.write(`report: ${file}\n`)
  return 0
}
