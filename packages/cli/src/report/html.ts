import { escapeHtml as e, jsonForScript, scriptText } from './escape.js'
import { CLIENT_SCRIPT } from './client-script.js'
import {
  checksSection,
  faultsTable,
  historyTable,
  runInfo,
  sagasTable,
  thresholdsTable,
} from './html-tables.js'
import type { ReportData } from './report-data.js'
import { REPORT_CSS } from './report-css.js'

/** The chart library, read from node_modules and inlined so the page needs no network. */
export interface ChartAssets {
  readonly js: string
  readonly css: string
}

/**
 * The whole report as one HTML document: tables rendered here (every datum escaped), charts drawn
 * in the page by uPlot from the embedded JSON. A Content-Security-Policy of `default-src 'none'`
 * keeps the page from loading anything at all.
 */
export function renderReportHtml(data: ReportData, assets: ChartAssets): string {
  const s = data.summary
  const excerptIds = new Set(data.history.rows.flatMap((r) => (r.id === undefined ? [] : [r.id])))
  const status = `<span class="status status-${e(s.status)}">${e(s.status)} (exit ${s.exitCode})</span>`
  const faultLegend =
    data.faults.length === 0
      ? ''
      : `<p class="legend"><span class="swatch"></span> shaded: fault windows (${data.faults.map((f) => e(f.label)).join(', ')})</p>`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>faultline report: ${e(s.scenario.name)}</title>
<style>${scriptText(assets.css)}${REPORT_CSS}</style>
</head>
<body>
<header>
<h1>${e(s.scenario.name)} ${status}</h1>
<p>${e(s.scenario.description)}</p>
<p class="muted">seed <b>${s.seed}</b> · target ${e(s.target.name)} · started ${e(s.startedAt)} · load ${(s.loadDurationMs / 1000).toFixed(1)} s${s.smoke ? ' · smoke' : ''}${s.error === undefined ? '' : ` · error: ${e(s.error)}`}</p>
<nav>${['latency', 'throughput', 'staleness', 'cache', 'lag', 'sagas', 'faults', 'thresholds', 'checks', 'history', 'run'].map((id) => `<a href="#${id}">${id}</a>`).join(' ')}</nav>
${faultLegend}
</header>
<section id="latency"><h2>Latency over time (p50 and p99 per second)</h2><div id="latency-charts"></div></section>
<section id="throughput"><h2>Throughput</h2><div id="throughput-charts"></div></section>
<section id="staleness"><h2>Staleness timeline</h2><p class="muted">${e(data.stale.note)}${data.stale.points.length > 0 ? ` ${data.stale.points.length} point(s) on ${data.stale.keys.length} key(s).` : ''}</p><div id="staleness-charts"></div></section>
<section id="cache"><h2>Cache</h2><div id="cache-charts"></div></section>
<section id="lag"><h2>Consumer and relay lag</h2><div id="lag-charts"></div></section>
<section id="other"><h2>Other live metrics</h2><div id="other-charts"></div></section>
<section id="sagas"><h2>Sagas</h2>${sagasTable(data)}<div id="sagas-charts"></div></section>
<section id="faults"><h2>Faults</h2>${faultsTable(data)}</section>
<section id="thresholds"><h2>Thresholds</h2>${thresholdsTable(data)}</section>
<section id="checks"><h2>Checks</h2>${checksSection(data, excerptIds)}</section>
<section id="history"><h2>History excerpt</h2><p class="muted">The operations the counterexamples name, and every fault; times in seconds after load start.</p>${historyTable(data)}</section>
<section id="run"><h2>Run</h2>${runInfo(data)}</section>
<script id="report-data" type="application/json">${jsonForScript(data)}</script>
<script>${scriptText(assets.js)}</script>
<script>${scriptText(CLIENT_SCRIPT)}</script>
</body>
</html>
`
}
