import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { parseManifest } from '../../../../src/manifest/index.js'
import { clusterProblem } from '../../../../src/web/data/cluster-problem.js'
import { clusterProblemPage, decodeSegments, startWebServer, type WebServer } from '../../../../src/web/http/server.js'

// No broker listens on the discard port: the UI serves what needs no cluster, and says so for the rest.
const manifest = parseManifest(
  `app: { clientId: shop, brokers: 127.0.0.1:9 }
topics:
  orders: { partitions: 3 }
consumerGroups:
  shop:
    topics:
      orders: { handler: handlers/orders.ts, deadLetter: orders.dlq }
`,
  'karafka.yml',
  '/tmp/app/karafka.yml',
  {},
)

describe('the web server', () => {
  it('decodes the segments a route matched, and gives up on a malformed percent-encoding instead of throwing', () => {
    assert.deepEqual(decodeSegments(['orders%2Fdlq', 'caf%C3%A9', '7']), ['orders/dlq', 'café', '7'])
    const unmatched = [undefined] as unknown as string[] // an optional group that did not match
    assert.deepEqual(decodeSegments(unmatched), [undefined])
    assert.equal(decodeSegments(['%E0%A4%A']), undefined)
    assert.equal(decodeSegments(['ok', '%']), undefined)
  })

  it('a read refused for its TLS or SASL settings is a page naming the setting, not asking whether the broker is up', () => {
    const refusal = Object.assign(new Error('SASL SCRAM SHA512 authentication failed: invalid credentials'), {
      name: 'KafkaJSSASLAuthenticationError',
    })
    const page = clusterProblemPage(clusterProblem(new Error('Connection failed', { cause: refusal }), manifest.app.brokers))
    assert.equal(page.status, 503)
    assert.equal(page.title, 'The cluster refused the connection')
    assert.match(
      page.body.text,
      /the broker refused the credentials \(SASL SCRAM SHA512 authentication failed: invalid credentials\)\. Check app\.sasl/,
    )
    assert.doesNotMatch(page.body.text, /up\?/)
    const away = clusterProblemPage(
      clusterProblem(new Error('reading topic orders: the cluster did not answer within 5 s'), manifest.app.brokers),
    )
    assert.equal(away.title, 'The cluster did not answer')
    assert.match(away.body.text, /within 5 s\. Is the broker at 127\.0\.0\.1:9 up\? This page tries again when reloaded\./)
  })

  describe('over HTTP, with no broker', () => {
    let server: WebServer
    before(async () => {
      server = await startWebServer({ manifest, port: 0, host: '127.0.0.1' })
    })
    after(() => server.close())

    it('a malformed percent-encoded address is a 400 with a plain message, at once, not a cluster that did not answer', async () => {
      for (const address of ['/topics/%E0%A4%A', '/dead-letters/%E0%A4%A', '/dead-letters/%/0/1']) {
        const began = performance.now()
        const response = await fetch(`${server.url}${address}`)
        assert.equal(response.status, 400, address)
        assert.match(response.headers.get('content-type')!, /^text\/plain/)
        assert.match(await response.text(), /^the address is not valid percent-encoding/)
        assert.ok(performance.now() - began < 1_000, `${address} answered without asking the cluster`)
      }
      const post = await fetch(`${server.url}/dead-letters/%E0%A4%A/0/1/republish`, { method: 'POST', body: 'token=x' })
      assert.equal(post.status, 400)
    })

    it('pages that need no cluster answer without one', async () => {
      const response = await fetch(`${server.url}/routes`)
      assert.equal(response.status, 200)
      assert.match(await response.text(), /<tr data-route="shop\/orders">[\s\S]*handlers\/orders\.ts[\s\S]*orders\.dlq/)
    })
  })
})
