import type { DestinationStream } from 'pino'

/** A pino destination that keeps every line, for assertions. */
export class LogCapture implements DestinationStream {
  readonly lines: string[] = []

  write(line: string): void {
    this.lines.push(line)
  }

  /** Every line as one string, to scan for secrets. */
  get text(): string {
    return this.lines.join('')
  }

  /** The parsed lines. */
  records(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>)
  }
}
