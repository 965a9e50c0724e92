// karafka-ts/testing: run handlers on typed messages without a broker.
// Its types use Node's (Buffer, AbortSignal, kafkajs's own): apps get them through this reference.
/// <reference types="node" preserve="true" />
export {
  type ConsumeResult,
  createTestHarness,
  type ProducedMessage,
  type ProduceOptions,
  type TestConsumer,
  TestHarness,
  type TestHarnessOptions,
} from './harness.js'
