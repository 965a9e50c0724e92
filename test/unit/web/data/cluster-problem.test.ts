import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import kafkajs from 'kafkajs'
import { clusterErrorText, clusterProblem } from '../../../../src/web/data/cluster-problem.js'

const brokers = ['127.0.0.1:9093']
const connection = (message: string, code?: string) => new kafkajs.KafkaJSConnectionError(`Connection error: ${message}`, { code })
// kafkajs's SASL refusal, as its retrier passes on an error it does not retry: wrapped, with the refusal as the cause
// (its typings declare neither the refusal's constructor nor the wrapper's cause).
const refusal = Object.assign(new Error('SASL SCRAM SHA512 authentication failed: invalid credentials'), {
  name: 'KafkaJSSASLAuthenticationError',
})
const saslRefused = Object.assign(new kafkajs.KafkaJSNonRetriableError(refusal), { cause: refusal })

describe('what the UI says when the cluster cannot be read', () => {
  it('a SASL refusal names app.sasl, not whether the broker is up', () => {
    const problem = clusterProblem(saslRefused, brokers)
    assert.equal(problem.refused, true)
    assert.equal(problem.title, 'The cluster refused the connection')
    assert.match(problem.what, /^the broker refused the credentials \(SASL SCRAM SHA512 authentication failed/)
    assert.match(problem.hint, /^Check app\.sasl: the mechanism .* the username and the password\.$/)
    assert.doesNotMatch(`${problem.what} ${problem.hint}`, /broker .* up\?/)
    assert.match(clusterErrorText(saslRefused), /refused the credentials .*; check app\.sasl/)
  })

  it('TLS refusals name the app.ssl setting to fix', () => {
    const untrusted = clusterProblem(connection('self-signed certificate in certificate chain', 'SELF_SIGNED_CERT_IN_CHAIN'), brokers)
    assert.equal(untrusted.refused, true)
    assert.match(untrusted.what, /TLS certificate is not trusted \(self-signed certificate in certificate chain\)/)
    assert.match(untrusted.hint, /^Set app\.ssl\.ca to the CA certificate/)
    assert.match(clusterProblem(connection('sslv3 alert bad certificate'), brokers).hint, /app\.ssl\.cert and app\.ssl\.key/)
    assert.match(clusterProblem(connection('wrong version number'), brokers).what, /does not speak TLS/)
  })

  it('a read that timed out while the background reads meet a refusal is that refusal, not a broker that is away', () => {
    const timedOut = new Error('reading topic orders: the cluster did not answer within 5 s')
    const refused = {
      what: 'the broker refused the TLS handshake: it requires a client certificate it trusts (mutual TLS)',
      hint: 'set app.ssl.cert and app.ssl.key',
    }
    assert.deepEqual(clusterProblem(timedOut, brokers, refused), {
      refused: true,
      title: 'The cluster refused the connection',
      what: refused.what,
      hint: 'Set app.ssl.cert and app.ssl.key.',
    })
    assert.equal(clusterProblem(timedOut, brokers, undefined).title, 'The cluster did not answer')
  })

  it('anything else is the error as it is, asking whether the broker is up', () => {
    const away = clusterProblem(connection('connect ECONNREFUSED 127.0.0.1:9093', 'ECONNREFUSED'), brokers)
    assert.deepEqual(away, {
      refused: false,
      title: 'The cluster did not answer',
      what: 'Connection error: connect ECONNREFUSED 127.0.0.1:9093',
      hint: 'Is the broker at 127.0.0.1:9093 up?',
    })
    assert.equal(
      clusterErrorText(new Error('reading topic x: the cluster did not answer within 5 s')),
      'reading topic x: the cluster did not answer within 5 s',
    )
    assert.equal(clusterErrorText('a string'), 'a string')
  })
})
