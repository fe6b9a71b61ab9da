/**
 * Java `.properties` text for a flat map. Values are escaped the way `Properties.load` reads
 * them back, so a password with `\`, `#`, `!`, `=` or non-ASCII characters arrives intact.
 */
export function toProperties(entries: Readonly<Record<string, string>>): string {
  const lines = Object.entries(entries).map(([k, v]) => `${escape(k, true)}=${escape(v, false)}`)
  return `${lines.join('\n')}\n`
}

function escape(text: string, isKey: boolean): string {
  let out = ''
  for (const [i, ch] of [...text].entries()) {
    const code = ch.codePointAt(0) ?? 0
    if (ch === '\\') out += '\\\\'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    // Leading blanks of a value are trimmed by load(); keys end at blanks, ':' and '='.
    else if (ch === ' ' && (isKey || i === 0)) out += '\\ '
    else if (isKey && i === 0 && '#!'.includes(ch)) out += `\\${ch}`
    else if (isKey && ':='.includes(ch)) out += `\\${ch}`
    else if (code > 0x7e) out += unicodeEscape(ch)
    else out += ch
  }
  return out
}

/** `\uXXXX`, as surrogate pairs above the BMP: load() reads ISO-8859-1 text. */
function unicodeEscape(ch: string): string {
  let out = ''
  for (let i = 0; i < ch.length; i++) {
    out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`
  }
  return out
}
