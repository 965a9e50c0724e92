import path from 'node:path'
import { appSecrets, resolveSslPaths } from '../kafka/security.js'
import { parseEventSpec } from './fields.js'
import { lambdaFunctionName } from './names.js'
import { AWS_DEFAULT_POLLERS, type ManifestData } from './schema.js'
import type { Manifest, Route, Topic } from './types.js'

/** Normalises a checked manifest: broker lists, parsed events, flattened routes, absolute paths. */
export function resolveManifest(data: ManifestData, from: Pick<Manifest, 'file' | 'secrets' | 'appTemplate' | 'locate'>): Manifest {
  const { file, secrets, appTemplate, locate } = from
  const root = path.dirname(file)
  const brokers = brokerList(data.app.brokers)
  const topics: Record<string, Topic> = {}
  for (const [name, topic] of Object.entries(data.topics)) {
    topics[name] = {
      name,
      partitions: topic.partitions,
      replicationFactor: topic.replicationFactor,
      config: Object.fromEntries(Object.entries(topic.config).map(([k, v]) => [k, String(v)])),
      key: topic.key,
      events: Object.fromEntries(Object.entries(topic.events).map(([event, spec]) => [event, parseEventSpec(spec)])),
      partitioner: topic.partitioner ?? data.app.partitioner,
    }
  }
  const consumerGroups: Record<string, Route[]> = {}
  for (const [group, spec] of Object.entries(data.consumerGroups)) {
    consumerGroups[group] = Object.entries(spec.topics).map(([topic, route]) => ({
      ...route,
      group,
      topic,
      handlerPath: path.resolve(root, route.handler),
      functionName: route.backend === 'lambda' && data.lambda ? lambdaFunctionName(data.lambda.functionPrefix, group, topic) : undefined,
      aws:
        route.poller === 'aws'
          ? { consumerGroupId: route.aws?.consumerGroupId ?? group, pollers: route.aws?.pollers ?? { ...AWS_DEFAULT_POLLERS } }
          : undefined,
    }))
  }
  return {
    file,
    root,
    app: { ...data.app, brokers, ssl: resolveSslPaths(data.app.ssl, root) },
    codegen: data.codegen,
    lambda: data.lambda,
    metrics: data.metrics,
    web: data.web,
    topics,
    consumerGroups,
    groupSettings: Object.fromEntries(
      Object.entries(data.consumerGroups).map(([group, { topics: _topics, ...settings }]) => [group, settings]),
    ),
    routes: Object.values(consumerGroups).flat(),
    secrets: [...new Set([...secrets, ...appSecrets(data.app)])],
    appTemplate,
    locate,
  }
}

/** Brokers given as a list or a comma-separated string, as a list. */
export function brokerList(brokers: string | string[]): string[] {
  return (Array.isArray(brokers) ? brokers : brokers.split(',')).map((broker) => broker.trim()).filter(Boolean)
}
