import type { Kafka } from 'kafkajs'
import { withAdmin } from '../kafka/admin.js'
import { TOPIC_RESOURCE } from '../kafka/config-types.js'
import type { Manifest } from '../manifest/types.js'
import { readTopicStates } from './cluster.js'
import { desiredTopics } from './desired.js'
import { type PlanStep, planTopics, type TopicPlan } from './plan.js'

/** Plans the migration of the cluster to the manifest. */
export async function planMigration(kafka: Kafka, manifest: Manifest): Promise<TopicPlan> {
  return withAdmin(kafka, async (admin) => {
    const wanted = desiredTopics(manifest)
    return planTopics(wanted, await readTopicStates(admin, [...wanted.keys()]))
  })
}

/** Applies the steps of a plan (which must have no refusals): creates, adds partitions, sets configs. */
export async function applyPlan(kafka: Kafka, plan: TopicPlan, onStep: (step: PlanStep) => void = () => {}): Promise<void> {
  await withAdmin(kafka, async (admin) => {
    const creates = plan.steps.filter((s) => s.action === 'create')
    if (creates.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: creates.map(({ spec }) => ({
          topic: spec.name,
          numPartitions: spec.partitions,
          replicationFactor: spec.replicationFactor,
          configEntries: Object.entries(spec.config).map(([name, value]) => ({ name, value })),
        })),
      })
      creates.forEach(onStep)
    }
    for (const step of plan.steps) {
      if (step.action === 'add-partitions') {
        await admin.createPartitions({ topicPartitions: [{ topic: step.topic, count: step.to }] })
        onStep(step)
      } else if (step.action === 'configure') {
        // AlterConfigs replaces the topic's own configs with exactly these: the manifest is the source of truth.
        await admin.alterConfigs({
          validateOnly: false,
          resources: [
            {
              type: TOPIC_RESOURCE,
              name: step.topic,
              configEntries: Object.entries(step.config).map(([name, value]) => ({ name, value })),
            },
          ],
        })
        onStep(step)
      }
    }
  })
}
