import type { Manifest, Route, Topic } from '../manifest/index.js'
import { pascalCase } from '../manifest/names.js'
import { fieldsSchema, type JsonSchema } from './json-schema.js'

/** The Kafka bindings of AsyncAPI 3.0 that the document uses. */
const KAFKA_BINDING = '0.5.0'

export interface AsyncApiInput {
  manifest: Manifest
  /** The app's version (its package.json), for info.version. */
  version: string
  /** The JSON Schemas of `path#Export` events, by `topic/event`. */
  refSchemas: Map<string, JsonSchema>
}

/**
 * An AsyncAPI 3.0 document of the manifest: a server per broker, a channel per topic (and per
 * dead-letter topic) with its Kafka bindings, a message per event with its JSON Schema, the
 * envelope and the key, a `send` operation per topic (the responders) and a `receive`
 * operation per route of a consumer group. What AsyncAPI has no field for (the partition
 * key's path, the partitioner, a route's batch and retry settings) goes in `x-karafka-*`.
 */
export function asyncApiDocument({ manifest, version, refSchemas }: AsyncApiInput): Record<string, unknown> {
  const { app } = manifest
  const channels: Record<string, unknown> = {}
  const messages: Record<string, unknown> = {}
  const operations: Record<string, unknown> = {}
  const messageIds = new Map<string, string[]>()

  for (const topic of Object.values(manifest.topics)) {
    const ids: string[] = []
    for (const [event, spec] of Object.entries(topic.events)) {
      const id = pascalCase(event)
      const payload = spec.kind === 'fields' ? fieldsSchema(spec.fields) : (refSchemas.get(`${topic.name}/${event}`) ?? {})
      messages[id] = eventMessage(topic, event, payload)
      ids.push(id)
    }
    if (topic.key !== undefined) {
      const id = `tombstone.${topic.name}`
      messages[id] = {
        name: 'tombstone',
        title: `Tombstone of ${topic.name}`,
        summary: 'The key with a null value: compaction deletes the key.',
        payload: { type: 'null' },
        bindings: { kafka: { key: keySchema(topic), bindingVersion: KAFKA_BINDING } },
      }
      ids.push(id)
    }
    messageIds.set(topic.name, ids)
    channels[topic.name] = {
      address: topic.name,
      ...(topic.key ? { description: `Keyed by ${topic.key}: the events of one key share a partition and stay in order.` } : {}),
      messages: refs(ids),
      bindings: {
        kafka: {
          partitions: topic.partitions,
          replicas: topic.replicationFactor,
          ...topicConfiguration(topic),
          bindingVersion: KAFKA_BINDING,
        },
      },
      ...(topic.key ? { 'x-karafka-partition-key': topic.key } : {}),
      'x-karafka-partitioner': topic.partitioner,
    }
    operations[`${topic.name}.send`] = {
      action: 'send',
      channel: { $ref: `#/channels/${topic.name}` },
      summary: `Published through the typed responders (responders.${topic.name}).`,
      messages: ids.map((id) => ({ $ref: `#/channels/${topic.name}/messages/${id}` })),
    }
  }

  for (const route of manifest.routes) {
    const ids = messageIds.get(route.topic) ?? []
    // Group and topic names may hold dots: two routes could make the same id, so a later one is numbered.
    let id = `${route.group}.${route.topic}.receive`
    for (let n = 2; id in operations; n++) id = `${route.group}.${route.topic}.receive-${n}`
    // AWS's event source mapping reads with its own consumer group id when one is set.
    const groupId = route.poller === 'aws' ? (route.aws?.consumerGroupId ?? route.group) : route.group
    operations[id] = {
      action: 'receive',
      channel: { $ref: `#/channels/${route.topic}` },
      summary: `Consumer group ${route.group} hands ${route.topic} to ${route.handler} (${route.backend === 'lambda' ? `the Lambda function ${route.functionName}, polled by ${route.poller === 'aws' ? "AWS's event source mapping" : 'karafka server'}` : 'in process'}).`,
      messages: ids.map((id) => ({ $ref: `#/channels/${route.topic}/messages/${id}` })),
      bindings: {
        kafka: {
          groupId: { type: 'string', enum: [groupId] },
          ...(route.poller === 'aws' ? {} : { clientId: { type: 'string', enum: [app.clientId] } }),
          bindingVersion: KAFKA_BINDING,
        },
      },
      'x-karafka-route': routeSettings(route),
    }
    if (route.deadLetter && !(route.deadLetter in channels)) {
      channels[route.deadLetter] = {
        address: route.deadLetter,
        description: `Dead letters of ${route.group}/${route.topic}: the original records, with source_topic, source_partition, source_offset, source_consumer_group, error_class, error_message and attempts headers.`,
        messages: refs(ids),
        bindings: {
          kafka: {
            partitions: manifest.topics[route.topic]?.partitions ?? 1,
            replicas: manifest.topics[route.topic]?.replicationFactor ?? 1,
            bindingVersion: KAFKA_BINDING,
          },
        },
      }
    }
  }

  const secure = app.ssl !== false
  const security = securityScheme(app)
  return {
    asyncapi: '3.0.0',
    info: {
      title: app.clientId,
      version,
      description: `The topics, events and consumer groups of ${app.clientId}, from its karafka.yml. Every value is the JSON envelope {"event_name": ..., "payload": ...} with an event_name header.`,
    },
    defaultContentType: 'application/json',
    servers: Object.fromEntries(
      app.brokers.map((broker, i) => [
        `broker-${i + 1}`,
        {
          host: broker,
          protocol: secure ? 'kafka-secure' : 'kafka',
          ...(security ? { security: [{ $ref: '#/components/securitySchemes/cluster' }] } : {}),
        },
      ]),
    ),
    channels,
    operations,
    components: { messages, ...(security ? { securitySchemes: { cluster: security } } : {}) },
  }
}

function eventMessage(topic: Topic, event: string, payload: JsonSchema): Record<string, unknown> {
  return {
    name: event,
    title: event,
    headers: { type: 'object', properties: { event_name: { type: 'string', const: event } } },
    payload: {
      type: 'object',
      required: ['event_name', 'payload'],
      properties: { event_name: { type: 'string', const: event }, payload },
    },
    ...(topic.key ? { bindings: { kafka: { key: keySchema(topic), bindingVersion: KAFKA_BINDING } } } : {}),
  }
}

function keySchema(topic: Topic): JsonSchema {
  return { type: 'string', description: `String(payload.${topic.key}), partitioned by ${topic.partitioner}` }
}

function refs(ids: string[]): Record<string, unknown> {
  return Object.fromEntries(ids.map((id) => [id, { $ref: `#/components/messages/${id}` }]))
}

/** The topic's configs as the Kafka binding has them: cleanup.policy as a list, numbers as numbers, booleans as booleans. */
function topicConfiguration(topic: Topic): { topicConfiguration?: Record<string, unknown> } {
  const entries = Object.entries(topic.config).map(([name, value]): [string, unknown] => {
    if (name === 'cleanup.policy') return [name, value.split(',').map((policy) => policy.trim())]
    if (value === 'true' || value === 'false') return [name, value === 'true']
    return [name, /^-?\d+$/.test(value) ? Number(value) : value]
  })
  return entries.length > 0 ? { topicConfiguration: Object.fromEntries(entries) } : {}
}

function routeSettings(route: Route): Record<string, unknown> {
  return {
    handler: route.handler,
    backend: route.backend,
    ...(route.backend === 'lambda' ? { poller: route.poller ?? 'karafka' } : {}),
    batch: route.batch,
    startFrom: route.startFrom,
    retry: route.retry,
    ...(route.deadLetter ? { deadLetter: route.deadLetter } : {}),
    ...(route.virtualPartitions ? { virtualPartitions: route.virtualPartitions } : {}),
    transactional: route.transactional,
  }
}

/** How clients authenticate, as AsyncAPI's security schemes say it (never a secret). */
function securityScheme({ sasl, ssl }: Manifest['app']): Record<string, unknown> | undefined {
  if (sasl?.mechanism === 'plain') return { type: 'plain' }
  if (sasl?.mechanism === 'scram-sha-256') return { type: 'scramSha256' }
  if (sasl?.mechanism === 'scram-sha-512') return { type: 'scramSha512' }
  if (sasl?.mechanism === 'oauthbearer')
    return {
      type: 'oauth2',
      description: 'SASL OAUTHBEARER with Amazon MSK IAM tokens (signed with the AWS credentials of the client)',
      flows: {},
    }
  if (typeof ssl === 'object' && ssl.cert) return { type: 'X509', description: 'mutual TLS: a client certificate the brokers trust' }
  return undefined
}
