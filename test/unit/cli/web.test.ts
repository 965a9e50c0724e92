import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { karafkaInProcess } from '../../helpers/cli.js'
import { tempProject } from '../../helpers/project.js'

// karafka web's refusals come before anything connects, so they need no broker.
describe('karafka web refuses bad arguments with exit 2', () => {
  const project = tempProject({
    'karafka.yml': 'app: { clientId: shop, brokers: 127.0.0.1:1 }\ntopics:\n  orders: {}\n',
  })
  after(() => project.remove())
  const manifest = ['--manifest', path.join(project.dir, 'karafka.yml')]

  it('a port that is taken names the port and what to do', async () => {
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    const port = (taken.address() as { port: number }).port
    try {
      const result = await karafkaInProcess(['web', '--port', String(port), ...manifest])
      assert.equal(result.code, 2)
      assert.match(
        result.stderr,
        new RegExp(`cannot serve karafka web on 127\\.0\\.0\\.1:${port}: port ${port} is taken\\n  hint: choose another with --port`),
      )
    } finally {
      taken.close()
    }
  })

  it('a port that is no port, and an address that is not this machine', async () => {
    for (const port of ['http', '70000', '3.5']) {
      const result = await karafkaInProcess(['web', '--port', port, ...manifest])
      assert.equal(result.code, 2, port)
      assert.match(result.stderr, new RegExp(`--port ${port.replace('.', '\\.')} is not a port`))
    }
    const away = await karafkaInProcess(['web', '--port', '0', '--host', '203.0.113.9', ...manifest])
    assert.equal(away.code, 2)
    assert.match(away.stderr, /203\.0\.113\.9 is not an address of this machine/)
  })
})
