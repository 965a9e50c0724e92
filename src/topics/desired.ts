import type { Manifest } from '../manifest/types.js'

/** A topic as the manifest wants it. */
export interface TopicSpec {
  name: string
  partitions: number
  replicationFactor: number
  config: Record<string, string>
}

/**
 * The manifest's topics plus the dead-letter topics it names (those not declared get the
 * source topic's partitions) and, while web.reporting is on, the web's reports and errors
 * topics (webTopics).
 */
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
  if (manifest.web.reporting) for (const spec of webTopics(manifest)) wanted.set(spec.name, spec)
  return wanted
}

/**
 * The topics `karafka server` reports into for `karafka web`, one partition each, replicated
 * like the most replicated topic of the manifest. Reports: compacted (the last report of each
 * process), every report kept for an hour first (the dashboard's charts) and a process gone
 * for a week dropped. Errors: the last 3 days of handler failures.
 */
export function webTopics(manifest: Manifest): TopicSpec[] {
  const replicationFactor = Math.max(1, ...Object.values(manifest.topics).map((t) => t.replicationFactor))
  const hour = String(3_600_000)
  return [
    {
      name: manifest.web.reportsTopic,
      partitions: 1,
      replicationFactor,
      config: {
        'cleanup.policy': 'compact,delete',
        'min.compaction.lag.ms': hour,
        'segment.ms': hour,
        'retention.ms': String(7 * 86_400_000),
      },
    },
    {
      name: manifest.web.errorsTopic,
      partitions: 1,
      replicationFactor,
      config: { 'cleanup.policy': 'delete', 'retention.ms': String(3 * 86_400_000), 'segment.ms': hour },
    },
  ]
}
