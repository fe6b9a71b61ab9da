import type { HistoryEvent } from '../history/events.js'
import type { CheckerPass } from './checker.js'
import { statusOf } from './error-budget.js'
import { Findings } from './findings.js'
import { field, type Operation, OperationPairer } from './operations.js'
import { COMMON_SPECS, defineChecker, type CommonOptions } from './options.js'
import type { CheckResult } from './verdict.js'

/** Options of the {@link auth} checker. */
export interface AuthOptions extends CommonOptions {
  /** Operations that are auth probes. @default ['auth-probe'] */
  readonly probeOps: readonly string[]
  /**
   * A probe whose `case` contains one of these presents a bad token (forged, expired, missing,
   * ...): a 2xx on it is a violation whatever status the probe expected.
   * @default ['forged', 'expired', 'missing', 'tampered', 'alg-none', 'malformed', 'wrong-key', 'bad-signature', 'wrong-issuer', 'wrong-audience']
   */
  readonly badTokenCases: readonly string[]
  /** The scheme a 401's `WWW-Authenticate` must name (RFC 6750). @default 'Bearer' */
  readonly authScheme: string
}

class AuthPass implements CheckerPass {
  private readonly findings: Findings
  private readonly pairer: OperationPairer

  constructor(private readonly options: AuthOptions) {
    this.findings = new Findings('auth', auth.guarantees, options.maxCounterexamples)
    const probes = new Set(options.probeOps)
    this.pairer = new OperationPairer(
      (op) => this.probe(op),
      (name) => probes.has(name),
    )
  }

  observe(event: HistoryEvent): void {
    this.pairer.observe(event)
  }

  private probe(op: Operation): void {
    this.findings.count('probes')
    const probeCase = field(op.input, 'case')
    const expected = field(op.input, 'expectStatus')
    const status = statusOf(op)
    if (op.type === 'info') return this.findings.count('probesUnanswered')
    if (typeof probeCase !== 'string' || typeof expected !== 'number' || status === undefined) {
      return this.findings.count('probesMalformed')
    }
    const where = `probe ${op.id} (case ${probeCase}${op.key === undefined ? '' : `, ${op.key}`})`
    const detail = { case: probeCase, expectStatus: expected, status }
    if (status >= 200 && status < 300 && this.isBadToken(probeCase)) {
      return this.findings.violation('badTokenAccepted', {
        message: `${where} got ${status}: a bad token was accepted`,
        key: probeCase,
        historyIds: [op.id],
        detail,
      })
    }
    if (status !== expected) {
      return this.findings.violation('wrongStatus', {
        message: `${where} got ${status}, expected ${expected}`,
        key: probeCase,
        historyIds: [op.id],
        detail,
      })
    }
    if (status === 401) this.checkChallenge(op, where, detail)
  }

  private isBadToken(probeCase: string): boolean {
    const name = probeCase.toLowerCase()
    return this.options.badTokenCases.some((marker) => name.includes(marker.toLowerCase()))
  }

  /** A 401 must say how to authenticate: `WWW-Authenticate: Bearer ...`. */
  private checkChallenge(op: Operation, where: string, detail: Record<string, unknown>): void {
    const challenge = field(op.output, 'wwwAuthenticate')
    if (challenge === undefined) return this.findings.count('challengesNotRecorded')
    const scheme = this.options.authScheme.toLowerCase()
    if (typeof challenge === 'string' && challenge.trim().toLowerCase().startsWith(scheme)) return
    this.findings.violation('missingChallenge', {
      message: `${where} got 401 without a WWW-Authenticate ${this.options.authScheme} challenge (got ${JSON.stringify(challenge)})`,
      key: String(detail.case),
      historyIds: [op.id],
      detail: { ...detail, wwwAuthenticate: challenge },
    })
  }

  finish(): CheckResult {
    this.pairer.finish()
    const {
      probes = 0,
      probesUnanswered = 0,
      probesMalformed = 0,
      challengesNotRecorded = 0,
    } = this.findings.stats
    const problem = this.pairer.problem()
    if (problem !== undefined) this.findings.undecided(problem)
    if (probes === 0)
      this.findings.undecided(`no ${this.options.probeOps.join('/')} operations in the history`)
    if (probesUnanswered > 0) this.findings.undecided(`${probesUnanswered} probe(s) got no answer`)
    if (probesMalformed > 0)
      this.findings.undecided(
        `${probesMalformed} probe(s) lack a case, an expected status or a status`,
      )
    if (challengesNotRecorded > 0) {
      this.findings.undecided(
        `${challengesNotRecorded} 401 response(s) without a recorded WWW-Authenticate (ok/fail value \`wwwAuthenticate\`)`,
      )
    }
    return this.findings.result(`${probes} auth probe(s), each answered as expected`)
  }
}

/**
 * **auth** (R2): no one gets in where they don't belong. Every auth probe (`auth-probe`, invoke
 * `{ case, expectStatus }`, completion status in `status` or `value.status`) got exactly its
 * expected status: 401 for a missing, expired or forged token, with a `WWW-Authenticate` challenge
 * of the `authScheme` (recorded as `value.wwwAuthenticate`), 403 for a wrong role, 404 for another
 * customer's order. A 2xx on a probe whose case names a bad token (`badTokenCases`) is a
 * violation even if the scenario expected it.
 *
 * `unknown` without probes, when a probe got no answer or lacks its case, expected status or
 * status, or when a 401's challenge was not recorded.
 */
export const auth = defineChecker<AuthOptions>({
  name: 'auth',
  guarantees: ['R2'],
  description:
    'every auth probe got its expected status (401 with a challenge, 403, 404); no bad token gets a 2xx',
  defaults: {
    maxCounterexamples: 20,
    probeOps: ['auth-probe'],
    badTokenCases: [
      'forged',
      'expired',
      'missing',
      'tampered',
      'alg-none',
      'malformed',
      'wrong-key',
      'bad-signature',
      'wrong-issuer',
      'wrong-audience',
    ],
    authScheme: 'Bearer',
  },
  specs: {
    ...COMMON_SPECS,
    probeOps: { kind: 'strings' },
    badTokenCases: { kind: 'strings' },
    authScheme: { kind: 'string' },
  },
  begin: (options) => new AuthPass(options),
})
