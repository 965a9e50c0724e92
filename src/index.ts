// karafka-ts: the public API. Generated code imports from here, as a user's code would.
// Its types use Node's (Buffer, AbortSignal, kafkajs's own): apps get them through this reference.
/// <reference types="node" preserve="true" />
export { z } from 'zod'
export type { Topology, TopologyTopic, TopologyEvent } from './topology.js'
export type { Message, MessageMeta, EventOf, ConsumerContext, ConsumerFn, ConsumerDefinition } from './consumer/types.js'
export { createConsumerDefinition, isConsumerDefinition } from './consumer/types.js'
export type { Delivery, OutgoingRecord, BatchSender } from './producer/sender.js'
export { OrderedSender } from './producer/sender.js'
export { createResponderSet, type ResponderMethods } from './producer/responders.js'
export { createProducerRuntime, type ProducerRuntime } from './producer/producer-runtime.js'
export { resolveAppConfig } from './producer/app-config.js'
export { encodeEnvelope, decodeEnvelope, EVENT_NAME_HEADER, type Envelope } from './producer/envelope.js'
export { partitionKeyOf } from './producer/partition-key.js'
export { validatePayload } from './producer/validate.js'
export { createLambdaHandler, type KafkaLambdaHandler, type LambdaContextLike } from './lambda/adapter.js'
export type { AwsKafkaEvent, AwsKafkaRecord, PartialResult } from './lambda/event.js'
export type { Logger, LogLevel } from './instrumentation/logger.js'
export { KarafkaError, ManifestError, type ErrorCode } from './errors/index.js'
export { loadManifest, type Manifest, type Route, type Topic } from './manifest/index.js'

/** Compiles only when T is a valid partition key type; generated code checks `path#Export` schemas with it. */
export type PartitionKeyType<T extends string | number> = T
