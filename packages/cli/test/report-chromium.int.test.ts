import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { RunSummary } from '../src/index.js'
import { writeReport } from '../src/report/write-report.js'
import { chromiumMissing, launchChromium } from './support/chromium.js'
import { liveRun } from './support/live-run.js'
import { reportsFile, updateDocsImage } from './support/paths.js'

const missing = chromiumMissing()
const HOSTILE = `</script><script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> & "quotes"`

/** What the page shows, measured in the browser. */
interface ChartPixels {
  readonly title: string
  /** Pixels of a saturated color (plotted series, points). */
  readonly series: number
  /** Pixels of the fault shading. */
  readonly shaded: number
  readonly width: number
}

describe.skipIf(missing !== undefined)(
  `report.html in headless chromium${missing === undefined ? '' : ` (skipped: ${missing})`}`,
  () => {
    let browser: Browser
    let summary: RunSummary
    let file: string

    beforeAll(async () => {
      summary = await liveRun()
      file = await writeReport(summary.files.runDir)
      browser = await launchChromium()
    })

    afterAll(async () => {
      await browser?.close()
    })

    test('renders every chart with data and shaded fault windows, offline, with no console error', async () => {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } })
      const errors: string[] = []
      const requests: string[] = []
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text())
      })
      page.on('pageerror', (error) => errors.push(error.message))
      page.on('request', (request) => requests.push(request.url()))
      await page.goto(pathToFileURL(file).href)
      await page.waitForSelector('body[data-charts-ready]', { timeout: 30_000 })
      const charts = await page.evaluate<ChartPixels[]>(MEASURE_CHARTS)
      await page.screenshot({ path: reportsFile('report.png'), fullPage: true })
      // The README shows the top: header, latency, throughput, staleness and cache charts.
      const top = reportsFile('report-top.png')
      await page.screenshot({
        path: top,
        fullPage: true,
        clip: { x: 0, y: 0, width: 1200, height: 1900 },
      })
      updateDocsImage(top, 'report.png')
      await page.close()

      expect(errors).toEqual([])
      expect(requests).toEqual([pathToFileURL(file).href])
      const titles = charts.map((c) => c.title)
      for (const title of [
        'latency: readers',
        'latency: writers',
        'throughput',
        'stale reads per key',
        'cache hit ratio',
        'consumer and relay lag',
        'saga states over time',
      ])
        expect(titles).toContain(title)
      for (const chart of charts) {
        expect(chart.series, `${chart.title}: plotted pixels`).toBeGreaterThan(20)
        // Both faults lie inside the load: every time axis shows their windows.
        expect(chart.shaded, `${chart.title}: shaded fault pixels`).toBeGreaterThan(chart.width)
      }
    })

    test('staleness points, counterexamples linked into the history excerpt, checks and thresholds', async () => {
      const html = readFileSync(file, 'utf8')
      const staleness = summary.checks.find((c) => c.name === 'staleness')
      expect(staleness?.verdict).toBe('invalid')
      const page = await browser.newPage()
      await page.goto(pathToFileURL(file).href)
      const links = await page.evaluate<{ href: string; found: boolean }[]>(HISTORY_LINKS)
      expect(links.length).toBeGreaterThan(0)
      expect(links.every((l) => l.found)).toBe(true)
      const data = await page.evaluate<{ stale: { points: { violation: boolean }[] } }>(
        "JSON.parse(document.getElementById('report-data').textContent)",
      )
      expect(data.stale.points.some((p) => p.violation)).toBe(true)
      expect(await page.textContent('#thresholds')).toContain('✓')
      expect(await page.textContent('#run')).toContain(String(summary.seed))
      expect(await page.textContent('#run')).toContain('cores')
      expect(html).toContain('shaded: fault windows')
      await page.close()
    })

    test('hostile text from the scenario is shown as text and runs nothing', async () => {
      const hostile = await writeReport(
        (await liveRun({ seconds: 2, description: HOSTILE })).files.runDir,
      )
      const page = await browser.newPage()
      await page.goto(pathToFileURL(hostile).href)
      await page.waitForSelector('body[data-charts-ready]')
      expect(await page.evaluate<unknown>('window.__pwned')).toBeUndefined()
      expect(await page.locator('header p').first().textContent()).toBe(HOSTILE)
      expect(await page.locator('script').count()).toBe(3)
      await page.close()
    })

    test('faultline report <run-dir> --out writes the same self-contained page', () => {
      const here = fileURLToPath(new URL('.', import.meta.url))
      const out = join(summary.files.runDir, 'again.html')
      const result = spawnSync(
        process.execPath,
        [
          '--conditions=@faultline/source',
          '--import',
          'tsx',
          join(here, '..', 'src', 'bin.ts'),
          'report',
          summary.files.runDir,
          '--out',
          out,
        ],
        { encoding: 'utf8' },
      )
      expect(result.stderr).toBe('')
      expect(result.status).toBe(0)
      expect(result.stdout).toContain(out)
      expect(existsSync(out)).toBe(true)
      expect(readFileSync(out, 'utf8')).toContain('uPlot')
    })
  },
)

/**
 * Runs in the page (as source text: this package is type-checked without the DOM library): per
 * chart canvas, how many pixels are series colors and how many the faint red of fault shading.
 */
const MEASURE_CHARTS = `[...document.querySelectorAll('.chart')].map((chart) => {
  const canvas = chart.querySelector('canvas')
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height)
  let series = 0
  let shaded = 0
  for (let i = 0; i < data.length; i += 4) {
    const r = data[i], g = data[i + 1], b = data[i + 2], a = data[i + 3]
    if (a < 20) continue
    if (r > g + 20 && g === b && a < 80) shaded++
    else if (Math.max(r, g, b) - Math.min(r, g, b) > 80 && a > 150) series++
  }
  return { title: chart.getAttribute('data-chart') || '', series, shaded, width: canvas.width }
})`

/** Runs in the page: each counterexample link and whether its history anchor exists. */
const HISTORY_LINKS = `[...document.querySelectorAll('#checks a[href^="#h-"]')].map((a) => ({
  href: a.getAttribute('href'),
  found: document.getElementById(a.getAttribute('href').slice(1)) !== null,
}))`
