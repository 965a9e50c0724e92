// karafka-ts/testing: run handlers on typed messages without a broker.
export { createTestHarness, TestHarness, type ConsumeResult, type ProducedMessage, type ProduceOptions, type TestConsumer, type TestHarnessOptions } from './harness.js'
