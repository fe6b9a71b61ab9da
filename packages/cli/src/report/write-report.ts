import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { CliError } from '../core/errors.js'
import { renderReportHtml, type ChartAssets } from './html.js'
import { buildReportData } from './report-data.js'
import { readRunFiles } from './run-files.js'

let assets: ChartAssets | undefined

/** uPlot's minified build and stylesheet, from this installation's node_modules. */
export function chartAssets(): ChartAssets {
  if (assets !== undefined) return assets
  const require = createRequire(import.meta.url)
  try {
    assets = {
      js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
      css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    }
    return assets
  } catch (cause) {
    throw new CliError(
      'E_CLI_REPORT',
      'Cannot find the chart library uPlot in node_modules; reinstall @faultline/cli (npm ci).',
      { cause },
    )
  }
}

/**
 * Writes one self-contained `report.html` for a run directory (to `out`, default
 * `<runDir>/report.html`) and returns its path.
 */
export async function writeReport(runDir: string, out?: string): Promise<string> {
  const run = readRunFiles(runDir)
  const data = await buildReportData(run)
  const file = out ?? join(run.dir, 'report.html')
  try {
    writeFileSync(file, renderReportHtml(data, chartAssets()))
  } catch (cause) {
    throw new CliError('E_CLI_IO', `Cannot write the report ${file}; pass a writable --out.`, {
      cause,
      context: { file },
    })
  }
  return file
}
