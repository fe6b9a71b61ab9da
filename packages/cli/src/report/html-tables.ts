import { formatMs, trim } from '../ui/format.js'
import { escapeHtml as e } from './escape.js'
import type { ExcerptRow } from './history-excerpt.js'
import type { ReportData } from './report-data.js'

const PASS = '<span class="pass">✓</span>'
const FAIL = '<span class="fail">✗</span>'

/** The thresholds table: ✓/✗, metric, condition, actual value. */
export function thresholdsTable(data: ReportData): string {
  if (data.thresholds.length === 0) return '<p class="muted">The scenario has no thresholds.</p>'
  const rows = data.thresholds.map(
    (t) =>
      `<tr><td>${t.ok ? PASS : FAIL}</td><td><code>${e(t.metric)}</code></td><td><code>${e(t.condition)}</code></td><td>${t.actual === undefined ? e(t.reason ?? 'no value') : e(trim(t.actual))}</td></tr>`,
  )
  return table(['', 'metric', 'condition', 'actual'], rows)
}

/** The checks table and, under it, each checker's counterexamples linked into the history. */
export function checksSection(data: ReportData, excerptIds: ReadonlySet<number>): string {
  if (data.checks.length === 0) return '<p class="muted">The scenario ran no checkers.</p>'
  const rows = data.checks.map(
    (c) =>
      `<tr><td>${c.ok ? PASS : FAIL}</td><td><a href="#check-${e(slug(c.name))}">${e(c.name)}</a></td><td>${e(c.guarantees.join(', '))}</td><td class="verdict-${e(c.verdict)}">${e(c.verdict)}</td><td>${e(c.summary)}</td></tr>`,
  )
  const details = data.checks.map((c) => counterexamples(c, excerptIds))
  return `${table(['', 'checker', 'guarantees', 'verdict', 'summary'], rows)}${details.join('')}`
}

function counterexamples(
  check: ReportData['checks'][number],
  excerptIds: ReadonlySet<number>,
): string {
  const head = `<h3 id="check-${e(slug(check.name))}">${e(check.name)}: ${check.counterexampleCount} counterexample${check.counterexampleCount === 1 ? '' : 's'}</h3>`
  const stats = Object.entries(check.stats)
    .map(([k, v]) => `<code>${e(k)}</code> ${e(trim(v))}`)
    .join(' · ')
  if (check.counterexamples.length === 0)
    return `${head}<p class="muted">${stats === '' ? 'none' : `stats: ${stats}`}</p>`
  const items = check.counterexamples.map((c) => {
    const links = (c.historyIds ?? [])
      .map((id) => (excerptIds.has(id) ? `<a href="#h-${id}">${id}</a>` : `<span>${id}</span>`))
      .join(', ')
    return `<li>${c.key === undefined ? '' : `<code>${e(c.key)}</code> `}${e(c.message)}${links === '' ? '' : ` <span class="muted">history:</span> ${links}`}</li>`
  })
  const more = check.counterexampleCount - check.counterexamples.length
  return `${head}<ul class="examples">${items.join('')}</ul>${more > 0 ? `<p class="muted">… ${more} more in summary.json; stats: ${stats}</p>` : `<p class="muted">stats: ${stats}</p>`}`
}

/** The history excerpt; each operation's first line carries the anchor `h-<id>`. */
export function historyTable(data: ReportData): string {
  const rows = data.history.rows
  if (rows.length === 0) return '<p class="muted">No history lines are referenced.</p>'
  const anchored = new Set<number>()
  const lines = rows.map((row) => historyRow(row, anchored))
  const note = data.history.truncated
    ? '<p class="muted">The excerpt is cut; history.ndjson in the run dir has every line.</p>'
    : ''
  return `${table(['id', 't (s)', 'type', 'process', 'op', 'key', 'value / status / error'], lines)}${note}`
}

function historyRow(row: ExcerptRow, anchored: Set<number>): string {
  let anchor = ''
  if (row.id !== undefined && !anchored.has(row.id)) {
    anchored.add(row.id)
    anchor = ` id="h-${row.id}"`
  }
  const detail =
    row.fault ??
    [row.value, row.status === undefined ? undefined : `status ${row.status}`, row.error]
      .filter((v) => v !== undefined)
      .join(' · ')
  return `<tr${anchor} class="h-${e(row.type)}"><td>${row.id ?? ''}</td><td>${row.t.toFixed(3)}</td><td>${e(row.type)}</td><td>${row.process ?? ''}</td><td>${e(row.op ?? '')}</td><td>${e(row.key ?? '')}</td><td><code>${e(detail)}</code></td></tr>`
}

/** Saga outcomes and compensations, or why there are none. */
export function sagasTable(data: ReportData): string {
  const s = data.sagas
  if (s === undefined)
    return '<p class="muted">n/a: neither the sagas checker nor the target reported sagas.</p>'
  const n = (v: number | null) => (v === null ? '<span class="muted">n/a</span>' : String(v))
  const source =
    s.source === 'checker' ? 'the sagas checker, after quiescence' : "the target's last live sample"
  return `${table(['completed', 'compensated', 'failed', 'still running', 'compensations run'], [`<tr><td>${n(s.completed)}</td><td>${n(s.compensated)}</td><td>${n(s.failed)}</td><td>${n(s.running)}</td><td>${n(s.compensations)}</td></tr>`])}<p class="muted">From ${source}.</p>`
}

/** The faults as scheduled and as applied. */
export function faultsTable(data: ReportData): string {
  if (data.faults.length === 0) return '<p class="muted">No faults were scheduled.</p>'
  const rows = data.faults.map(
    (f) =>
      `<tr><td>${f.error === undefined ? PASS : FAIL}</td><td>${e(f.label)}</td><td>${f.start.toFixed(2)} s</td><td>${f.end.toFixed(2)} s</td><td>${e(f.error ?? '')}</td></tr>`,
  )
  return table(['', 'fault', 'from', 'to', 'error'], rows)
}

/** Seed, versions, machine, notes. */
export function runInfo(data: ReportData): string {
  const { summary: s, machine: m } = data
  const items: [string, string][] = [
    ['scenario', s.scenario.name],
    ['description', s.scenario.description],
    ['guarantees', s.scenario.guarantees.join(', ')],
    ['seed', String(s.seed)],
    [
      'target',
      `${s.target.name}${s.target.measuresReality ? '' : ' (in memory: nothing real measured)'}`,
    ],
    ['started', s.startedAt],
    ['load', formatMs(s.loadDurationMs)],
    ['wall time', formatMs(s.durationMs)],
    ['faultline', s.versions.faultline],
    ['node', s.versions.node],
    ['cpu', `${m.cpuModel} (${m.cores} cores)`],
    ['memory', `${trim(m.memoryBytes / 2 ** 30)} GiB`],
    ['os', m.os],
  ]
  const rows = items.map(([k, v]) => `<tr><th>${e(k)}</th><td>${e(v)}</td></tr>`)
  const machineNote = data.machineIsReporters
    ? '<p class="muted">The summary did not record its machine; cpu, memory and os are the machine that wrote this report.</p>'
    : ''
  const notes =
    s.notes.length === 0
      ? ''
      : `<h3>Notes</h3><ul>${s.notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul>`
  return `<table class="kv">${rows.join('')}</table>${machineNote}${notes}`
}

function table(headers: readonly string[], rows: readonly string[]): string {
  return `<table><thead><tr>${headers.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`
}

/** A name as an anchor-safe id. */
export function slug(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_')
}
