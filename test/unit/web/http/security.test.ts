import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { csrfProblem, hostAllowed, isAuthorized, isLoopback } from '../../../../src/web/http/security.js'

const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`

describe('the web UI guards', () => {
  it('basic auth takes the password with any user name, and nothing else', () => {
    assert.equal(isAuthorized(basic('ops:s3cret'), 's3cret'), true)
    assert.equal(isAuthorized(basic(':s3cret'), 's3cret'), true)
    assert.equal(isAuthorized(basic('ops:s3cret:x'), 's3cret'), false)
    assert.equal(isAuthorized(basic('ops:wrong'), 's3cret'), false)
    assert.equal(isAuthorized(basic('s3cret'), 's3cret'), false, 'no colon: no password')
    assert.equal(isAuthorized(undefined, 's3cret'), false)
    assert.equal(isAuthorized('Bearer s3cret', 's3cret'), false)
  })

  it('on loopback, answers only requests naming a loopback host (no DNS rebinding); exposed, any host', () => {
    for (const host of ['127.0.0.1:3000', 'localhost:3000', '[::1]:3000', 'LOCALHOST'])
      assert.equal(hostAllowed({ host }, true), true, host)
    for (const host of ['evil.example:3000', 'evil.example', '10.0.0.5:3000']) assert.equal(hostAllowed({ host }, true), false, host)
    assert.equal(hostAllowed({}, true), false)
    assert.equal(hostAllowed({ host: 'ops.internal:3000' }, false), true)
    assert.deepEqual(['127.0.0.1', '::1', 'localhost', '0.0.0.0', '192.168.1.2'].map(isLoopback), [true, true, true, false, false])
  })

  it('a POST needs the form token and the page own origin', () => {
    const token = 'tok'
    const host = '127.0.0.1:3000'
    assert.equal(csrfProblem({ host, 'sec-fetch-site': 'same-origin', origin: 'null' }, token, token), undefined, "a browser's own word")
    assert.equal(csrfProblem({ host, origin: `http://${host}` }, token, token), undefined)
    assert.equal(csrfProblem({ host }, token, token), undefined, 'no browser headers (curl): the token decides')
    assert.match(csrfProblem({ host, 'sec-fetch-site': 'cross-site' }, token, token)!, /another site/)
    assert.match(csrfProblem({ host, origin: 'http://evil.example' }, token, token)!, /evil\.example, not from this page/)
    assert.match(csrfProblem({ host, origin: 'null' }, token, token)!, /opaque origin/)
    assert.match(csrfProblem({ host, 'sec-fetch-site': 'same-origin' }, 'old', token)!, /form token/)
    assert.match(csrfProblem({ host, 'sec-fetch-site': 'same-origin' }, undefined, token)!, /form token/)
  })
})
