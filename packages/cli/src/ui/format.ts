/** Formats ms for a table: `812µs`, `12.34ms`, `1.52s`. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '-'
  if (ms < 1) return `${Math.round(ms * 1000)}µs`
  if (ms < 1000) return `${trim(ms)}ms`
  return `${trim(ms / 1000)}s`
}

/** A number with at most 2 decimals. */
export function trim(value: number): string {
  return String(Math.round(value * 100) / 100)
}

/** A ratio as a percentage. */
export function formatPercent(ratio: number | undefined): string {
  return ratio === undefined ? '-' : `${trim(ratio * 100)}%`
}

/** Pads to a width with dots, k6 style: `http_reqs.........: `. */
export function dotted(label: string, width: number): string {
  return label.length >= width ? `${label} ` : `${label}${'.'.repeat(width - label.length)}: `
}
