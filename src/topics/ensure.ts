import type { Kafka } from 'kafkajs'
import type { Manifest } from '../manifest/types.js'

/**
 * Creates the manifest's topics and dead-letter topics that do not exist yet, with their
 * partitions and configs; existing topics are left as they are. Returns the created names.
 */
export async function ensureTopics(kafka: Kafka, manifest: Manifest): Promise<string[]> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const existing = new Set(await admin.listTopics())
    const wanted = new Map(Object.values(manifest.topics).map((t) => [t.name, { partitions: t.partitions, replicationFactor: t.replicationFactor, config: t.config }]))
    for (const route of manifest.routes) {
      const source = manifest.topics[route.topic]
      if (route.deadLetter && !wanted.has(route.deadLetter)) {
        wanted.set(route.deadLetter, { partitions: source?.partitions ?? 1, replicationFactor: source?.replicationFactor ?? 1, config: {} })
      }
    }
    const missing = [...wanted].filter(([name]) => !existing.has(name))
    if (missing.length === 0) return []
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map(([topic, spec]) => ({
        topic,
        numPartitions: spec.partitions,
        replicationFactor: spec.replicationFactor,
        configEntries: Object.entries(spec.config).map(([name, value]) => ({ name, value })),
      })),
    })
    return missing.map(([name]) => name)
  } finally {
    await admin.disconnect()
  }
}
