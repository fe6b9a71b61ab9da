/** A run of text with one style. */
export interface Segment {
  readonly text: string
  readonly color?: 'red' | 'green' | 'yellow' | 'cyan' | 'gray' | 'magenta'
  readonly bold?: boolean
  readonly inverse?: boolean
}

/** One screen line: segments side by side. */
export type Line = readonly Segment[]

/** A plain segment. */
export function seg(text: string, style: Omit<Segment, 'text'> = {}): Segment {
  return { text, ...style }
}

/** The visible length of a line (every glyph the dashboard uses is one column wide). */
export function lineWidth(line: Line): number {
  return line.reduce((sum, s) => sum + [...s.text].length, 0)
}

/** Cuts a line to `width` columns, ending in `…` when something was cut. */
export function fitLine(line: Line, width: number): Line {
  if (lineWidth(line) <= width) return line
  const out: Segment[] = []
  let left = width - 1
  for (const segment of line) {
    const chars = [...segment.text]
    if (chars.length <= left) {
      out.push(segment)
      left -= chars.length
      continue
    }
    out.push({ ...segment, text: chars.slice(0, Math.max(0, left)).join('') })
    break
  }
  out.push(seg('…'))
  return out
}

/** Pads or cuts text to exactly `width` columns (cut text ends in `…`). */
export function cell(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const chars = [...text]
  if (chars.length > width) return `${chars.slice(0, Math.max(0, width - 1)).join('')}…`
  return align === 'left' ? text.padEnd(width) : text.padStart(width)
}

/** A line of one text. */
export function textLine(text: string, style: Omit<Segment, 'text'> = {}): Line {
  return [seg(text, style)]
}

/** The plain text of a line (for tests and the non-color fallback). */
export function plain(line: Line): string {
  return line.map((s) => s.text).join('')
}
