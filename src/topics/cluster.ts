import type { Admin } from 'kafkajs'
import { TOPIC_RESOURCE } from '../kafka/config-types.js'
import type { TopicState } from './plan.js'

/** Config sources of describeConfigs: 1 is a config set on the topic itself. */
const DYNAMIC_TOPIC_CONFIG = 1

/** Reads the current state of the named topics that exist on the cluster. */
export async function readTopicStates(admin: Admin, names: string[]): Promise<Map<string, TopicState>> {
  const existing = new Set(await admin.listTopics())
  const present = names.filter((name) => existing.has(name))
  const states = new Map<string, TopicState>()
  if (present.length === 0) return states
  const metadata = await admin.fetchTopicMetadata({ topics: present })
  const configs = await admin.describeConfigs({
    includeSynonyms: false,
    resources: present.map((name) => ({ type: TOPIC_RESOURCE, name })),
  })
  for (const topic of metadata.topics) {
    const described = configs.resources.find((r) => r.resourceName === topic.name)
    const config = Object.fromEntries(
      (described?.configEntries ?? [])
        .filter((entry) => (entry as { configSource?: number }).configSource === DYNAMIC_TOPIC_CONFIG && !entry.isDefault)
        .map((entry) => [entry.configName, entry.configValue]),
    )
    states.set(topic.name, {
      name: topic.name,
      partitions: topic.partitions.length,
      replicationFactor: topic.partitions[0]?.replicas.length ?? 0,
      config,
    })
  }
  return states
}
