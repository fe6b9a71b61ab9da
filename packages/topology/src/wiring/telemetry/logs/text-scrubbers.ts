/** What a scrubbed secret becomes. */
export const REDACTED = '[REDACTED]'

const SECRET_KEYS = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'xapikey',
  'apikey',
  'password',
  'passwd',
  'pwd',
  'secret',
  'clientsecret',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'privatekey',
  'keypem',
  'card',
  'cardnumber',
  'creditcard',
  'ccnumber',
  'pan',
  'cvv',
  'cvc',
  'signingkey',
  'jwks',
])

/** `dbPassword`, `X-Session-Token`, `client_secret`: normalised, then matched whole or by suffix. */
export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z]/g, '')
  return SECRET_KEYS.has(k) || /(password|passwd|secret|token|privatekey)$/.test(k)
}

/** A brand prefix (Visa, Mastercard, Amex, Diners, Discover, JCB, UnionPay) and the Luhn sum. */
export function isCardNumber(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19) return false
  if (!/^(4|5[1-5]|2[2-7]|3[0478]|3[5689]|6)/.test(digits)) return false
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i])
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2
    sum += d
  }
  return sum % 10 === 0
}

const SCHEME_CREDENTIALS = /\b(Bearer|Basic|Digest|Token)\s+[A-Za-z0-9\-._~+/]+=*/gi
const JWT_LIKE = /\bey[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g
const THREE_SEGMENTS = /\b([A-Za-z0-9_-]{16,})\.([A-Za-z0-9_-]{16,})\.([A-Za-z0-9_-]{16,})\b/g
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^\s:/@"'<>]*):([^\s@/"'<>]*)@/gi
const KEY_VALUE =
  /\b(password|passwd|pwd|pass|secret|client_secret|token|access_token|refresh_token|id_token|api_?key|sslpassword|sslkey)(\s*[=:]\s*)(?!\[REDACTED)([^\s&"',;)]+)/gi
// `"password": "x"`, `'cvv': 123`, `token = "x"`: JSON or code-like pairs inside free text.
const QUOTED_PAIR =
  /(["']?)([A-Za-z][A-Za-z0-9_-]*)\1(\s*[:=]\s*)(?:(["'])((?:(?!\4)[^\\]|\\.)*)\4|(-?\d+))/g
const DIGIT_RUN = /(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)/g

/** A compact JWS whose first segment decodes to a JSON object header. */
function looksLikeJws(header: string): boolean {
  return Buffer.from(header, 'base64url').toString('latin1').trimStart().startsWith('{')
}

/**
 * Removes secrets from free text: bearer and basic credentials, raw JWTs, passwords in URLs
 * (`postgres://user:pw@host`), `password=...`-style pairs, and card numbers (brand prefix and
 * Luhn, with or without spaces and dashes).
 */
export function scrubText(text: string): string {
  return text
    .replace(SCHEME_CREDENTIALS, (_m, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(JWT_LIKE, `${REDACTED}:jwt`)
    .replace(THREE_SEGMENTS, (m, h: string) => (looksLikeJws(h) ? `${REDACTED}:jwt` : m))
    .replace(QUOTED_PAIR, (m, q: string, key: string, sep: string, quote?: string) =>
      isSecretKey(key) ? `${q}${key}${q}${sep}${quote ?? '"'}${REDACTED}${quote ?? '"'}` : m,
    )
    .replace(URL_USERINFO, (_m, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`)
    .replace(KEY_VALUE, (_m, key: string, sep: string) => `${key}${sep}${REDACTED}`)
    .replace(DIGIT_RUN, (m) => (isCardNumber(m.replace(/[ -]/g, '')) ? `${REDACTED}:card` : m))
}
