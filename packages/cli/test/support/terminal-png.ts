import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { launchChromium } from './chromium.js'

// ansi-to-html is CommonJS (`export =`); this package compiles without esModuleInterop.
const Convert = createRequire(import.meta.url)('ansi-to-html') as new (options: {
  fg: string
  bg: string
  escapeXML: boolean
  newline: boolean
}) => { toHtml(text: string): string }

/**
 * Renders a terminal capture (text with SGR color codes, as `tmux capture-pane -e` gives it) to a
 * PNG through headless chromium: a dark terminal, one monospace cell per character.
 */
export async function terminalToPng(
  capture: string,
  htmlFile: string,
  pngFile: string,
): Promise<void> {
  const convert = new Convert({ fg: '#e5e7eb', bg: '#111827', escapeXML: true, newline: false })
  const body = convert.toHtml(capture.replace(/\s+$/, ''))
  writeFileSync(
    htmlFile,
    `<!doctype html><meta charset="utf-8"><style>body{margin:0;background:#111827}pre{margin:0;padding:14px 16px;color:#e5e7eb;font:14px/1.25 'DejaVu Sans Mono',monospace;width:max-content}</style><pre>${body}</pre>`,
  )
  const browser = await launchChromium()
  try {
    const page = await browser.newPage({ deviceScaleFactor: 1.5 })
    await page.goto(pathToFileURL(htmlFile).href)
    await page.locator('pre').screenshot({ path: pngFile })
  } finally {
    await browser.close()
  }
}
