import type { HistoryEvent } from '../history/events.js'
import type { CheckerPass } from './checker.js'
import { Findings, missingPart } from './findings.js'
import { COMMON_SPECS, defineChecker, type CommonOptions } from './options.js'
import { QuiescenceGate, type QuiescenceOptions } from './quiescence.js'
import type { ReadModelSnapshot, SystemSnapshot } from './snapshot.js'
import type { CheckResult } from './verdict.js'

/** Options of the {@link convergence} checker. */
export interface ConvergenceOptions extends CommonOptions, QuiescenceOptions {
  /** Read models that must be in the snapshot; one missing makes the verdict `unknown`. @default [] */
  readonly readModels: readonly string[]
}

class ConvergencePass implements CheckerPass {
  private readonly findings: Findings
  private readonly gate: QuiescenceGate

  constructor(private readonly options: ConvergenceOptions) {
    this.findings = new Findings('convergence', convergence.guarantees, options.maxCounterexamples)
    this.gate = new QuiescenceGate(this.findings, options)
  }

  observe(event: HistoryEvent): void {
    this.gate.observe(event)
  }

  finish(snapshot: SystemSnapshot): CheckResult {
    const models = snapshot.readModels ?? []
    if (snapshot.readModels === undefined) {
      this.findings.undecided(missingPart('readModels', snapshot.unavailable))
    } else if (models.length === 0) this.findings.undecided('the snapshot lists no read models')
    const present = new Set(models.map((m) => m.name))
    const absent = this.options.readModels.filter((name) => !present.has(name))
    if (absent.length > 0)
      this.findings.undecided(`read model(s) missing from the snapshot: ${absent.join(', ')}`)
    for (const model of models) this.checkModel(model)
    this.gate.finish()
    const { modelRows = 0 } = this.findings.stats
    return this.findings.result(
      `${models.length} read model(s), ${modelRows} rows, each equal to its source`,
    )
  }

  private checkModel(model: ReadModelSnapshot): void {
    this.findings.count('readModels')
    this.findings.count('modelRows', model.model.rows)
    this.findings.count('sourceRows', model.source.rows)
    if (model.model.checksum === model.source.checksum) {
      if (model.model.rows !== model.source.rows)
        this.findings.count('equalChecksumDifferentRowCounts')
      return
    }
    const differing = model.differingKeys ?? []
    const rows = `${model.model.rows} rows against ${model.source.rows} in the source`
    const sample =
      differing.length > 0
        ? `; differing rows: ${differing.slice(0, 5).join(', ')}${differing.length > 5 ? ', ...' : ''}`
        : ''
    this.gate.absent('diverged', {
      message: `read model ${model.name} has checksum ${model.model.checksum}, its source implies ${model.source.checksum} (${rows}${sample})`,
      key: model.name,
      detail: { model: model.model, source: model.source, differingKeys: differing.slice(0, 100) },
    })
  }
}

/**
 * **convergence** (S3): after quiescence, each read model equals what its source implies: the
 * digest of its rows (sync-kit's `checksum()`, sha256 over sorted canonical JSON rows) equals the
 * digest of the rows the source implies. Row counts and the differing keys, when the snapshot
 * has them, go into the counterexample.
 *
 * A difference without the history's `quiesced` mark is `unknown` (see {@link
 * QuiescenceOptions}). `unknown` also without `readModels`, with none listed, or when one named in
 * the `readModels` option is missing.
 */
export const convergence = defineChecker<ConvergenceOptions>({
  name: 'convergence',
  guarantees: ['S3'],
  description: 'after quiescence every read model equals what its source implies (checksums)',
  defaults: { maxCounterexamples: 20, requireQuiescence: true, readModels: [] },
  specs: {
    ...COMMON_SPECS,
    requireQuiescence: { kind: 'boolean' },
    readModels: { kind: 'strings' },
  },
  begin: (options) => new ConvergencePass(options),
})
