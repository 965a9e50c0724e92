import assert from 'node:assert/strict'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { runCodegen } from '../../generator/main.js'
import { createTestHarness } from '../../src/testing/index.js'
import { karafka } from '../helpers/cli.js'
import { tempProject } from '../helpers/project.js'

const manifest = (events: string) => `app:
  clientId: stale
  brokers: 127.0.0.1:1
lambda: { region: us-east-1 }
topics:
  users:
    key: id
    events:
${events}
consumerGroups:
  stale:
    topics:
      users: { handler: handlers/users.ts, backend: lambda }
`

describe('generated code from another version of the manifest is refused', () => {
  const project = tempProject({ 'karafka.yml': manifest('      user_created: { id: integer }') })
  after(() => project.remove())
  const file = path.join(project.dir, 'karafka.yml')
  runCodegen({ manifestPath: file, cwd: project.dir })
  // The manifest changes; codegen does not run.
  project.write('karafka.yml', manifest('      user_created: { id: integer, email: string }\n      user_deleted: { id: integer }'))

  for (const [command, args] of [
    ['server', ['server']],
    ['produce', ['produce', 'users', 'user_created', '{"id":1,"email":"a@b.c"}']],
    ['build', ['build']],
  ] as const) {
    it(`karafka ${command} exits 2 and says to run karafka codegen`, async () => {
      const result = await karafka([...args, '--manifest', file], { cwd: project.dir })
      assert.equal(result.code, 2, result.stdout + result.stderr)
      assert.match(
        result.stderr,
        /generated\/karafka\.ts was generated from another version of karafka\.yml \(fingerprint [0-9a-f]{16}, the manifest's is [0-9a-f]{16}\)\n {2}hint: run karafka codegen/,
      )
    })
  }

  it('the test harness refuses it too', async () => {
    const t = createTestHarness({ manifest: file })
    await assert.rejects(t.consumerFor('stale', 'users'), (error: Error & { code?: string }) => error.code === 'CODEGEN_STALE')
  })

  it('after karafka codegen everything runs again (build here: no broker needed)', async () => {
    assert.equal((await karafka(['codegen', '--manifest', file], { cwd: project.dir })).code, 0)
    const build = await karafka(['build', '--manifest', file], { cwd: project.dir })
    assert.equal(build.code, 0, build.stderr)
  })
})
