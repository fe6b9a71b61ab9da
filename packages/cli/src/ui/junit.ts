import type { RunSummary } from '../core/summary-types.js'

/**
 * JUnit XML for CI: one test suite for the run, one test case per threshold and per check; a
 * failed threshold or a check that is not `valid` is a `<failure>`. An interrupted or failed run
 * with nothing to report still yields a test case, so CI never sees an empty, passing file.
 */
export function renderJunit(summary: RunSummary): string {
  const cases: string[] = []
  for (const t of summary.thresholds) {
    const name = `${t.metric} ${t.condition}`
    const message = t.actual === undefined ? (t.reason ?? 'no value') : `actual ${t.actual}`
    cases.push(testCase('thresholds', name, t.ok ? undefined : message))
  }
  for (const c of summary.checks) {
    const detail = c.counterexamples.map((e) => e.message).join('\n')
    cases.push(
      testCase(
        'checks',
        `${c.name} [${c.guarantees.join(', ')}]`,
        c.ok ? undefined : `${c.verdict}: ${c.summary}`,
        detail,
      ),
    )
  }
  if (summary.status === 'error' || summary.status === 'interrupted') {
    cases.push(
      testCase(
        'run',
        'run completed',
        `${summary.status}: ${summary.error ?? 'the run was interrupted'}`,
      ),
    )
  }
  const failures = cases.filter((c) => c.includes('<failure')).length
  const suite = `faultline.${summary.scenario.name}`
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="faultline" tests="${cases.length}" failures="${failures}" time="${seconds(summary.durationMs)}">`,
    `  <testsuite name="${xml(suite)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0" time="${seconds(summary.durationMs)}" timestamp="${xml(summary.startedAt)}">`,
    `    <properties><property name="seed" value="${summary.seed}"/><property name="runDir" value="${xml(summary.files.runDir)}"/></properties>`,
    ...cases.map((c) => `    ${c}`),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n')
}

function testCase(group: string, name: string, failure: string | undefined, detail = ''): string {
  const head = `<testcase classname="faultline.${group}" name="${xml(name)}"`
  if (failure === undefined) return `${head}/>`
  return `${head}><failure message="${xml(failure)}">${xml(detail || failure)}</failure></testcase>`
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3)
}

/** Escapes text for XML attributes and content; drops characters XML 1.0 forbids. */
export function xml(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- these are the characters XML 1.0 forbids
      .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  )
}
