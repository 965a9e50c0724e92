import type { TopicSpec } from './desired.js'

/** A topic as it is on the cluster: partitions, replication and the configs set on it (not broker defaults). */
export interface TopicState {
  name: string
  partitions: number
  replicationFactor: number
  /** Configs set on the topic itself (dynamic topic configs). */
  config: Record<string, string>
}

export interface ConfigChange {
  name: string
  /** The value set on the topic now (undefined: the broker default). */
  from: string | undefined
  /** The value wanted (undefined: back to the broker default). */
  to: string | undefined
}

export type PlanStep =
  | { action: 'create'; topic: string; spec: TopicSpec }
  | { action: 'add-partitions'; topic: string; from: number; to: number }
  | { action: 'configure'; topic: string; changes: ConfigChange[]; config: Record<string, string> }

/** What Kafka cannot do, which a migration refuses rather than ignores. */
export interface Refusal {
  topic: string
  reason: string
  hint: string
}

export interface TopicPlan {
  steps: PlanStep[]
  refusals: Refusal[]
}

/** The diff between what the manifest wants and what the cluster has. Topics the manifest does not name are left alone. */
export function planTopics(wanted: Map<string, TopicSpec>, actual: Map<string, TopicState>): TopicPlan {
  const plan: TopicPlan = { steps: [], refusals: [] }
  for (const spec of wanted.values()) {
    const state = actual.get(spec.name)
    if (!state) {
      plan.steps.push({ action: 'create', topic: spec.name, spec })
      continue
    }
    if (spec.partitions < state.partitions) {
      plan.refusals.push({
        topic: spec.name,
        reason: `has ${state.partitions} partitions and the manifest asks for ${spec.partitions}: Kafka cannot remove partitions`,
        hint: `set partitions: ${state.partitions} (or more), or create a new topic and move the data to it`,
      })
    } else if (spec.partitions > state.partitions) {
      plan.steps.push({ action: 'add-partitions', topic: spec.name, from: state.partitions, to: spec.partitions })
    }
    if (spec.replicationFactor !== state.replicationFactor) {
      plan.refusals.push({
        topic: spec.name,
        reason: `has replication factor ${state.replicationFactor} and the manifest asks for ${spec.replicationFactor}: topics migrate does not reassign replicas`,
        hint: `set replicationFactor: ${state.replicationFactor}, or reassign replicas with kafka-reassign-partitions`,
      })
    }
    const names = [...new Set([...Object.keys(spec.config), ...Object.keys(state.config)])].sort()
    const changes = names
      .filter((name) => spec.config[name] !== state.config[name])
      .map((name) => ({ name, from: state.config[name], to: spec.config[name] }))
    if (changes.length > 0) plan.steps.push({ action: 'configure', topic: spec.name, changes, config: spec.config })
  }
  return plan
}

/** One line per step, for tables: `[topic, action, details]`. */
export function describeStep(step: PlanStep): [string, string, string] {
  switch (step.action) {
    case 'create': {
      const configs = Object.entries(step.spec.config).map(([k, v]) => `${k}=${v}`)
      return [
        step.topic,
        'create',
        `${step.spec.partitions} partitions, replication ${step.spec.replicationFactor}${configs.length ? `, ${configs.join(', ')}` : ''}`,
      ]
    }
    case 'add-partitions':
      return [step.topic, 'add partitions', `${step.from} -> ${step.to}`]
    case 'configure':
      return [step.topic, 'configure', step.changes.map((c) => `${c.name}: ${c.from ?? '(default)'} -> ${c.to ?? '(default)'}`).join(', ')]
  }
}
