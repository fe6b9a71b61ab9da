import { scenarioLibrary, type Scenario } from '@faultline/scenarios'

/** `faultline list`: one line per library scenario (name, guarantees, description). */
export function listCommand(
  stdout: NodeJS.WritableStream,
  library: readonly Scenario[] = scenarioLibrary,
): number {
  if (library.length === 0) {
    stdout.write(
      'The scenario library has no scenarios yet; run your own with faultline run ./my-scenario.ts\n',
    )
    return 0
  }
  const width = Math.max(...library.map((s) => s.name.length))
  for (const s of library) {
    stdout.write(`${s.name.padEnd(width)}  [${s.guarantees.join(',')}]  ${s.description}\n`)
  }
  return 0
}
