/** Eight heights, lowest first. */
const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const

/**
 * A one-line chart of the last `width` values, scaled from 0 to the largest one shown; a null
 * (nothing completed that second) is a blank, so a gap reads as a gap and not as a fast second.
 */
export function sparkline(values: readonly (number | null)[], width: number): string {
  if (width <= 0) return ''
  const shown = values.slice(-width)
  const max = shown.reduce<number>((m, v) => (v !== null && v > m ? v : m), 0)
  const bars = shown.map((v) => {
    if (v === null) return ' '
    if (max <= 0) return BARS[0]
    const level = Math.min(BARS.length - 1, Math.floor((v / max) * (BARS.length - 1) + 0.5))
    return BARS[Math.max(0, level)]
  })
  return bars.join('').padStart(width, ' ')
}
