import type { Line, Segment } from './segments.js'

/** SGR foreground codes of the colors the dashboard uses. */
const COLORS: Readonly<Record<NonNullable<Segment['color']>, number>> = {
  red: 31,
  green: 32,
  yellow: 33,
  magenta: 35,
  cyan: 36,
  gray: 90,
}

/**
 * A line as one string with SGR codes (or plain text when `color` is false). One string per line
 * lets ink lay out one node per row instead of one per segment, which is most of a redraw's cost.
 */
export function ansiLine(line: Line, color: boolean): string {
  if (!color) return line.map((s) => s.text).join('')
  return line.map(ansiSegment).join('')
}

function ansiSegment(segment: Segment): string {
  const open: number[] = []
  const close: number[] = []
  if (segment.color !== undefined) {
    open.push(COLORS[segment.color])
    close.push(39)
  }
  if (segment.bold === true) {
    open.push(1)
    close.push(22)
  }
  if (segment.inverse === true) {
    open.push(7)
    close.push(27)
  }
  if (open.length === 0) return segment.text
  return `\u001b[${open.join(';')}m${segment.text}\u001b[${close.join(';')}m`
}

/** Whether a stream shows colors: a TTY that says so, unless NO_COLOR is set (no-color.org). */
export function supportsColor(stream: NodeJS.WriteStream): boolean {
  const noColor = process.env.NO_COLOR
  if (noColor !== undefined && noColor !== '') return false
  return typeof stream.hasColors === 'function' ? stream.hasColors() : false
}
