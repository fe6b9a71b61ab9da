import { isCardNumber, isSecretKey, REDACTED, scrubText } from './text-scrubbers.js'

/** Keys whose values are identifiers that must stay intact (a trace id can be all digits). */
const KEPT_KEYS = new Set(['trace_id', 'span_id', 'trace_flags'])

const MAX_DEPTH = 12

function scrubNumber(value: number): unknown {
  const digits = Number.isSafeInteger(value) && value > 0 ? String(value) : ''
  return isCardNumber(digits) ? `${REDACTED}:card` : value
}

function scrubObject(value: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, inner] of Object.entries(value)) {
    const clean = isSecretKey(key) ? REDACTED : scrubValue(inner, depth + 1, key)
    // defineProperty: a "__proto__" key from parsed JSON stays a plain key.
    Object.defineProperty(out, scrubText(key), {
      value: clean,
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
  return out
}

/** A parsed JSON value with secrets removed: by key name, and in every string and number. */
export function scrubValue(value: unknown, depth = 0, key?: string): unknown {
  if (key !== undefined && KEPT_KEYS.has(key)) return value
  if (typeof value === 'string') return scrubText(value)
  if (typeof value === 'number') return scrubNumber(value)
  if (value === null || typeof value !== 'object') return value
  if (depth >= MAX_DEPTH) return '[Depth]'
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1))
  return scrubObject(value as Record<string, unknown>, depth)
}

// Cheap test first: most lines hold nothing that could be a secret and are passed through.
const MAYBE_SECRET =
  /ey[A-Za-z0-9_-]{8,}\.|[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}\.|bearer|basic|digest|:\/\/[^\s"/]*@|pass|pwd|secret|token|auth|cookie|api_?key|private|card|cvv|cvc|pan"|\d[\d -]{11,}\d/i

/**
 * Scrubs one finished log line (pino's JSON): parsed and walked when it might hold a secret, so
 * serializers, bindings, messages and error stacks are all covered; non-JSON text is scrubbed
 * as text.
 */
export function scrubLogLine(line: string): string {
  if (!MAYBE_SECRET.test(line)) return line
  const newline = line.endsWith('\n') ? '\n' : ''
  try {
    return `${JSON.stringify(scrubValue(JSON.parse(line)))}${newline}`
  } catch {
    return scrubText(line)
  }
}
