import assert from 'node:assert/strict'
import { it } from 'node:test'
import kafkajs from 'kafkajs'
import { isKafkaError, isKafkaUnreachable, isRetriableKafkaError } from '../../../src/retry/kafka-errors.js'

/** One of kafkajs's own error classes, built with the arguments kafkajs builds it with (its typings leave some out). */
const kafkajsError = (name: keyof typeof kafkajs, ...args: unknown[]): Error =>
  new (kafkajs[name] as unknown as new (...a: unknown[]) => Error)(...args)

it("classifies kafkajs's errors by its own retriable flag and classes, causes included", () => {
  const refused = kafkajsError('KafkaJSConnectionError', 'Connection error: connect ECONNREFUSED 127.0.0.1:9092')
  const gaveUp = kafkajsError('KafkaJSNumberOfRetriesExceeded', refused, { retryCount: 5, retryTime: 3000 })
  assert.equal(isRetriableKafkaError(refused), true)
  assert.equal(isRetriableKafkaError(gaveUp), true, 'kafkajs gave up on a retriable error')
  assert.equal(
    isRetriableKafkaError(kafkajsError('KafkaJSGroupCoordinatorNotFound', 'Failed to find group coordinator')),
    true,
    'final for kafkajs, but the broker may come back',
  )
  assert.equal(
    isRetriableKafkaError(
      kafkajsError('KafkaJSProtocolError', {
        message: 'Not authorized to access topics',
        type: 'TOPIC_AUTHORIZATION_FAILED',
        code: 29,
        retriable: false,
      }),
    ),
    false,
  )
  assert.equal(isRetriableKafkaError(kafkajsError('KafkaJSSASLAuthenticationError', 'SASL PLAIN authentication failed')), false)
  assert.equal(isRetriableKafkaError(kafkajsError('KafkaJSNonRetriableError', 'bad')), false)
  assert.equal(isRetriableKafkaError(new Error('ECONNREFUSED')), false, 'not a kafkajs error: no guessing from messages')
  assert.equal(isKafkaUnreachable(gaveUp), true)
  assert.equal(isKafkaUnreachable(kafkajsError('KafkaJSGroupCoordinatorNotFound', 'x')), false, 'a broker answered')
  assert.equal(isKafkaError(refused), true)
  assert.equal(isKafkaError(new Error('KafkaJS look-alike')), false)
})
