import type { MetricDeclaration } from './types.js'

/** The metrics the engine itself records, whatever the target. */
export const ENGINE_METRICS: readonly MetricDeclaration[] = [
  {
    name: 'http_req_duration',
    type: 'trend',
    unit: 'ms',
    tags: ['workload', 'op'],
    description:
      'operation latency; open model: from the intended send time (coordinated omission not hidden)',
  },
  {
    name: 'http_reqs',
    type: 'counter',
    unit: 'count',
    tags: ['workload', 'op'],
    description: 'operations completed',
  },
  {
    name: 'http_req_failed',
    type: 'rate',
    unit: 'ratio',
    tags: ['workload', 'op'],
    description: 'share of operations that did not end ok (fail or info)',
  },
  {
    name: 'ops_indeterminate',
    type: 'counter',
    unit: 'count',
    tags: ['workload', 'op'],
    description: 'operations whose outcome is unknown (info: timeout, reset mid-request)',
  },
  {
    name: 'send_delay',
    type: 'trend',
    unit: 'ms',
    tags: ['workload'],
    description: 'open model: how late each send went out after its intended time',
  },
  {
    name: 'late_sends',
    type: 'counter',
    unit: 'count',
    tags: ['workload'],
    description:
      'open model: sends more than 10 ms behind their intended time (generator fell behind)',
  },
  {
    name: 'dropped_iterations',
    type: 'counter',
    unit: 'count',
    tags: ['workload'],
    description: 'open model: arrivals never sent because max in-flight and the backlog were full',
  },
  {
    name: 'checks',
    type: 'rate',
    unit: 'ratio',
    tags: ['check'],
    description: "share of checkers whose verdict is valid ('unknown' counts as not valid)",
  },
  {
    name: 'fault_errors',
    type: 'counter',
    unit: 'count',
    tags: ['kind'],
    description: 'faults that could not be applied or reverted',
  },
]

/** Tag names engine metrics carry. */
export const ENGINE_TAGS = ['workload', 'op', 'check', 'kind'] as const
