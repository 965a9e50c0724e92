import type { Manifest } from '../manifest/types.js'

/** A topic as the manifest wants it. */
export interface TopicSpec {
  name: string
  partitions: number
  replicationFactor: number
  config: Record<string, string>
}

/** The manifest's topics plus the dead-letter topics it names (those not declared get the source topic's partitions). */
export function desiredTopics(manifest: Manifest): Map<string, TopicSpec> {
  const wanted = new Map<string, TopicSpec>()
  for (const topic of Object.values(manifest.topics)) {
    wanted.set(topic.name, {
      name: topic.name,
      partitions: topic.partitions,
      replicationFactor: topic.replicationFactor,
      config: topic.config,
    })
  }
  for (const route of manifest.routes) {
    if (!route.deadLetter || wanted.has(route.deadLetter)) continue
    const source = manifest.topics[route.topic]
    wanted.set(route.deadLetter, {
      name: route.deadLetter,
      partitions: source?.partitions ?? 1,
      replicationFactor: source?.replicationFactor ?? 1,
      config: {},
    })
  }
  return wanted
}
