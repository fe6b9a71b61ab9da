import { SagaDefinition } from '../core/define-saga.js'
import { SagaKitError } from '../errors.js'
import { invalidOption } from '../validate.js'

const WHERE = 'createOrchestrator()'

/**
 * The orchestrator's sagas by name. Refuses anything that is not a `defineSaga()` definition, two
 * sagas of one name, and a saga without steps (`E_SAGA_INVALID_OPTION`).
 */
export function sagaRegistry(sagas: readonly unknown[]): Map<string, SagaDefinition<unknown>> {
  const registry = new Map<string, SagaDefinition<unknown>>()
  for (const definition of sagas) {
    if (!(definition instanceof SagaDefinition))
      throw invalidOption(WHERE, 'sagas', definition, 'an array of defineSaga() definitions')
    if (registry.has(definition.name))
      throw new SagaKitError(
        'E_SAGA_INVALID_OPTION',
        `${WHERE}: two sagas are named "${definition.name}"; give each saga a name of its own.`,
        { context: { option: 'sagas', sagaName: definition.name } },
      )
    if (definition.groups.length === 0)
      throw new SagaKitError(
        'E_SAGA_INVALID_OPTION',
        `${WHERE}: saga "${definition.name}" has no steps; add one with .step().`,
        { context: { option: 'sagas', sagaName: definition.name } },
      )
    registry.set(definition.name, definition as SagaDefinition<unknown>)
  }
  return registry
}
