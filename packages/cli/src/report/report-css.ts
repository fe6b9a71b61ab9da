/** The report's own styles (inlined; no web fonts, nothing fetched). */
export const REPORT_CSS = `
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:24px;color:#111827;background:#fff}
h1{font-size:22px;margin:0 0 6px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}h3{font-size:14px;margin:16px 0 6px}
.muted{color:#6b7280}code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}
nav a{margin-right:10px}table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #e5e7eb;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f9fafb}table.kv th{width:140px}.pass{color:#16a34a;font-weight:700}.fail{color:#dc2626;font-weight:700}
.status{font-size:14px;padding:2px 8px;border-radius:10px;vertical-align:middle}.status-passed{background:#dcfce7;color:#166534}
.status-failed,.status-error{background:#fee2e2;color:#991b1b}.status-interrupted{background:#fef3c7;color:#92400e}
.verdict-invalid{color:#dc2626;font-weight:700}.verdict-unknown{color:#b45309;font-weight:700}.verdict-valid{color:#16a34a}
.chart{margin:8px 0 18px}.legend .swatch{display:inline-block;width:14px;height:10px;background:rgba(220,38,38,.25);border:1px solid rgba(220,38,38,.5)}
tr:target{background:#fef9c3}.h-fault td{background:#fef2f2}ul.examples li{margin:3px 0}
`
