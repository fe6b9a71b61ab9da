import type { SagaEvent } from '@faultline/saga-kit'
import type { Registry } from 'prom-client'
import { gaugeFrom } from './derived-metrics.js'
import { counter, histogram } from './metric-factory.js'

type SagaTransition = Extract<SagaEvent['type'], `saga:${string}`>

const STATE_OF: Readonly<Record<SagaTransition, string>> = {
  'saga:started': 'started',
  'saga:stashed': 'stashed',
  'saga:completed': 'completed',
  'saga:compensating': 'compensating',
  'saga:compensated': 'compensated',
  'saga:failed': 'failed',
}

function sagaInstruments(registry: Registry) {
  return {
    transitions: counter(registry, {
      name: 'saga_transitions_total',
      help: 'Saga state transitions, by saga and the state entered.',
      labelNames: ['saga', 'state'],
    }),
    steps: counter(registry, {
      name: 'saga_steps_total',
      help: 'Step outcomes (completed, failed, retrying, timeout), by saga, step and direction.',
      labelNames: ['saga', 'step', 'direction', 'outcome'],
    }),
    stepDuration: histogram(registry, {
      name: 'saga_step_duration_seconds',
      help: 'From a step first attempt to its completion, by saga, step and direction.',
      labelNames: ['saga', 'step', 'direction'],
    }),
    sagaDuration: histogram(registry, {
      name: 'saga_duration_seconds',
      help: 'From start to completed or compensated, by saga and outcome.',
      labelNames: ['saga', 'outcome'],
    }),
    deadLetters: counter(registry, {
      name: 'saga_dead_letters_total',
      help: 'Saga messages that could not be handled and were dead-lettered.',
      labelNames: [],
    }),
  }
}

/**
 * A saga-kit `onEvent` listener that feeds `saga_transitions_total`, `saga_steps_total`,
 * `saga_step_duration_seconds`, `saga_duration_seconds` and `saga_dead_letters_total`.
 */
export function sagaMetricsListener(registry: Registry): (event: SagaEvent) => void {
  const m = sagaInstruments(registry)
  return (event) => {
    switch (event.type) {
      case 'message:dead-lettered':
        return m.deadLetters.inc()
      case 'step:completed':
      case 'step:failed':
      case 'step:retrying':
      case 'step:timeout': {
        const labels = { saga: event.sagaName, step: event.step, direction: event.direction }
        m.steps.inc({ ...labels, outcome: event.type.slice('step:'.length) })
        if (event.type === 'step:completed') m.stepDuration.observe(labels, event.latencyMs / 1000)
        return
      }
      case 'saga:completed':
      case 'saga:compensated':
        m.sagaDuration.observe(
          { saga: event.sagaName, outcome: STATE_OF[event.type] },
          event.durationMs / 1000,
        )
        return m.transitions.inc({ saga: event.sagaName, state: STATE_OF[event.type] })
      case 'saga:started':
      case 'saga:stashed':
      case 'saga:compensating':
      case 'saga:failed':
        return m.transitions.inc({ saga: event.sagaName, state: STATE_OF[event.type] })
    }
  }
}

/**
 * `saga_instances{saga,state}`: how many sagas are in each state now, read at scrape time (say,
 * `SELECT name, state, count(*) ... GROUP BY 1, 2` on the saga table).
 */
export function registerSagaStateGauge(
  registry: Registry,
  read: () => Promise<readonly { saga: string; state: string; count: number }[]>,
): void {
  gaugeFrom(
    registry,
    { name: 'saga_instances', help: 'Sagas per state, now.', labelNames: ['saga', 'state'] },
    async () =>
      (await read()).map((r) => ({ labels: { saga: r.saga, state: r.state }, value: r.count })),
  )
}
