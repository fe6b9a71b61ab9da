/**
 * The page's own script (plain ES2020, run in the browser after uPlot): builds every chart from
 * the embedded JSON with fault windows shaded on each time axis. Data only ever reaches the page
 * through `textContent` and the canvas, never through HTML.
 */
export const CLIENT_SCRIPT = String.raw`
(function () {
  'use strict'
  var data = JSON.parse(document.getElementById('report-data').textContent)
  var t = data.t
  var lastT = t.length > 0 ? t[t.length - 1] : 0
  var xMax = Math.max(data.summary.loadDurationMs / 1000, lastT, 1)
  var COLORS = ['#2563eb', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be123c', '#4d7c0f', '#a16207']

  function width() { return Math.max(320, Math.min(1100, document.body.clientWidth - 48)) }

  // Fault windows, shaded under the series on every time axis.
  function shadeFaults(u) {
    var ctx = u.ctx
    ctx.save()
    ctx.fillStyle = 'rgba(220, 38, 38, 0.14)'
    data.faults.forEach(function (f) {
      var x0 = u.valToPos(f.start, 'x', true)
      var x1 = Math.max(u.valToPos(f.end, 'x', true), x0 + 3)
      var left = Math.max(x0, u.bbox.left)
      var right = Math.min(x1, u.bbox.left + u.bbox.width)
      if (right > left) ctx.fillRect(left, u.bbox.top, right - left, u.bbox.height)
    })
    ctx.restore()
  }

  function box(parentId, title) {
    var holder = document.createElement('div')
    holder.className = 'chart'
    holder.setAttribute('data-chart', title)
    document.getElementById(parentId).appendChild(holder)
    return holder
  }

  function plot(parentId, title, yLabel, series, columns, extra) {
    var opts = {
      title: title,
      width: width(),
      height: 240,
      scales: { x: { time: false, range: [0, xMax] } },
      axes: [{ label: 'seconds after load start' }, { label: yLabel }],
      series: [{ label: 't (s)' }].concat(series),
      hooks: { drawClear: [shadeFaults] },
    }
    if (extra) extra(opts)
    return new uPlot(opts, [extra && extra.x ? extra.x : t].concat(columns), box(parentId, title))
  }

  function line(label, color, scale) {
    return { label: label, stroke: color, width: 1.5, spanGaps: false, scale: scale || 'y' }
  }

  function none(parentId, text) {
    var p = document.createElement('p')
    p.className = 'muted'
    p.textContent = text
    document.getElementById(parentId).appendChild(p)
  }

  // Latency: p50 and p99 per second, one chart per workload.
  if (data.workloads.length === 0) none('latency-charts', 'No samples: the run ended before its first second of load.')
  data.workloads.forEach(function (w) {
    plot('latency-charts', 'latency: ' + w.name, 'ms', [line('p50 ms', '#2563eb'), line('p99 ms', '#dc2626')], [w.p50, w.p99])
  })

  // Throughput: completions per second of every workload, and errors.
  if (data.workloads.length > 0) {
    var rpsSeries = data.workloads.map(function (w, i) { return line(w.name + ' ops/s', COLORS[i % COLORS.length]) })
    var errSeries = data.workloads.map(function (w, i) {
      return { label: w.name + ' errors/s', stroke: COLORS[i % COLORS.length], dash: [4, 3], width: 1, scale: 'err' }
    })
    plot('throughput-charts', 'throughput', 'ops/s', rpsSeries.concat(errSeries),
      data.workloads.map(function (w) { return w.rps }).concat(data.workloads.map(function (w) { return w.errors })),
      function (o) { o.axes.push({ side: 1, scale: 'err', label: 'errors/s', grid: { show: false } }) })
  }

  // Staleness: each read older than an acknowledged version, as a point on its key's row.
  var stale = data.stale
  if (stale.points.length === 0) none('staleness-charts', 'No read returned an older version than one acknowledged before it began.')
  else {
    var xs = stale.points.map(function (p) { return p.t })
    var keyIndex = {}
    stale.keys.forEach(function (k, i) { keyIndex[k] = i })
    var within = stale.points.map(function (p) { return p.violation ? null : keyIndex[p.key] })
    var violations = stale.points.map(function (p) { return p.violation ? keyIndex[p.key] : null })
    var dots = function (label, color, size) {
      return { label: label, stroke: color, fill: color, paths: function () { return null }, points: { show: true, size: size, fill: color } }
    }
    var extra = function (o) {
      o.scales.y = { range: [-0.5, stale.keys.length - 0.5] }
      o.height = Math.min(520, 140 + 18 * stale.keys.length)
      o.axes[1] = {
        label: 'key',
        size: 90,
        splits: stale.keys.length <= 40 ? function () { return stale.keys.map(function (_, i) { return i }) } : undefined,
        values: function (u, splits) { return splits.map(function (v) { return stale.keys[v] === undefined ? '' : stale.keys[v] }) },
      }
    }
    extra.x = xs
    plot('staleness-charts', 'stale reads per key', 'key', [dots('within the window', '#9ca3af', 6), dots('violation', '#dc2626', 8)], [within, violations], extra)
  }

  // Cache hit ratio, consumer and relay lag, and any other live metric the target reported.
  var live = data.live
  var pct = function (values) { return values.map(function (v) { return v === null ? null : v * 100 }) }
  if (live.cache_hit_ratio) plot('cache-charts', 'cache hit ratio', '%', [line('hit ratio %', '#16a34a')], [pct(live.cache_hit_ratio)])
  else none('cache-charts', 'n/a: the target did not report cache_hit_ratio.')
  if (live.stale_reads_total) plot('cache-charts', 'stale reads seen by the target', 'reads', [line('stale reads (total)', '#dc2626')], [live.stale_reads_total])
  var lagSeries = []
  var lagColumns = []
  if (live.consumer_lag_messages) { lagSeries.push(line('consumer lag (messages)', '#9333ea')); lagColumns.push(live.consumer_lag_messages) }
  if (live.relay_lag_seconds) { lagSeries.push(line('relay lag (s)', '#ea580c', 's')); lagColumns.push(live.relay_lag_seconds) }
  if (lagSeries.length === 0) none('lag-charts', 'n/a: the target reported neither consumer_lag_messages nor relay_lag_seconds.')
  else plot('lag-charts', 'consumer and relay lag', 'messages', lagSeries, lagColumns, function (o) {
    if (live.relay_lag_seconds) o.axes.push({ side: 1, scale: 's', label: 'seconds', grid: { show: false } })
  })
  var sagaKeys = [['saga_instances_running', 'running', '#2563eb'], ['saga_instances_completed', 'completed', '#16a34a'],
    ['saga_instances_compensated', 'compensated', '#ea580c'], ['saga_instances_failed', 'failed', '#dc2626'],
    ['saga_compensations_total', 'compensations run', '#9333ea']].filter(function (k) { return live[k[0]] })
  if (sagaKeys.length > 0) plot('sagas-charts', 'saga states over time', 'sagas',
    sagaKeys.map(function (k) { return line(k[1], k[2]) }), sagaKeys.map(function (k) { return live[k[0]] }))
  var known = ['cache_hit_ratio', 'stale_reads_total', 'consumer_lag_messages', 'relay_lag_seconds',
    'saga_instances_running', 'saga_instances_completed', 'saga_instances_compensated', 'saga_instances_failed', 'saga_compensations_total']
  Object.keys(live).filter(function (k) { return known.indexOf(k) < 0 }).forEach(function (k, i) {
    plot('other-charts', k, k, [line(k, COLORS[i % COLORS.length])], [live[k]])
  })
  if (Object.keys(live).filter(function (k) { return known.indexOf(k) < 0 }).length === 0) none('other-charts', 'No other live metrics.')
  document.body.setAttribute('data-charts-ready', String(document.querySelectorAll('.chart canvas').length))
})()
`
