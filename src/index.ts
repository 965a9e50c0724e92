// karafka-ts: the public API. Generated code imports from here, as a user's code would.
// Its types use Node's (Buffer, AbortSignal, kafkajs's own): apps get them through this reference.
/// <reference types="node" preserve="true" />
export { z } from 'zod'
export { payloadChecks } from './consumer/checks.js'
export type { ConsumerContext, ConsumerDefinition, ConsumerFn, EventOf, Message, MessageMeta } from './consumer/types.js'
export { createConsumerDefinition, isConsumerDefinition } from './consumer/types.js'
export { type ErrorCode, KarafkaError, ManifestError } from './errors/index.js'
export type { Logger, LogLevel } from './instrumentation/logger.js'
export { createLambdaHandler, type KafkaLambdaHandler, type LambdaContextLike, type LambdaHandlerOptions } from './lambda/adapter.js'
export type {
  AwsKafkaEvent,
  AwsKafkaHeader,
  AwsKafkaRecord,
  AwsMskEvent,
  AwsSelfManagedKafkaEvent,
  KafkaBatchResponse,
  PartialResult,
} from './lambda/event.js'
export { loadManifest, type Manifest, type Route, type Topic } from './manifest/index.js'
export { resolveAppConfig } from './producer/app-config.js'
export { decodeEnvelope, type Envelope, EVENT_NAME_HEADER, encodeEnvelope } from './producer/envelope.js'
export { partitionKeyOf } from './producer/partition-key.js'
export { createProducerRuntime, type ProducerRuntime } from './producer/producer-runtime.js'
export { createResponderSet, type ResponderMethods } from './producer/responders.js'
export type { BatchSender, Delivery, OutgoingRecord } from './producer/sender.js'
export { OrderedSender } from './producer/sender.js'
export { validatePayload } from './producer/validate.js'
export type { Topology, TopologyEvent, TopologyTopic } from './topology.js'

/** Compiles only when T is a valid partition key type; generated code checks `path#Export` schemas with it. */
export type PartitionKeyType<T extends string | number> = T
