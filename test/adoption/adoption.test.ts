// Adopting karafka-ts as a new team would, outside this repository: pack the package, install
// the tarball into an empty project, follow the README's quick start, and run what init made.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { freePort } from '../../src/broker/index.js'
import { TSCONFIG_TEMPLATE } from '../../src/init/templates.js'
import { waitFor } from '../helpers/app.js'
import { type ExecResult, exec, start, userEnv } from '../helpers/exec.js'
import { snapshotFiles } from '../helpers/files.js'
import { REPO } from '../helpers/project.js'

const NODE_MAJOR = Number(process.versions.node.split('.')[0])
const TYPESCRIPT = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> })
  .devDependencies.typescript!

describe(`adopting the package in a new project (Node ${process.versions.node})`, () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'karafka-adopt-'))
  const app = path.join(work, 'shop')
  let brokerPort = 0
  const ok = (result: ExecResult, what: string) => assert.equal(result.code, 0, `${what} failed:\n${result.stdout}\n${result.stderr}`)
  const npx = (args: string[], env?: NodeJS.ProcessEnv) => exec('npx', ['--no-install', ...args], { cwd: app, env: userEnv(env) })

  before(async () => {
    brokerPort = await freePort()
  })
  after(async () => {
    await exec('npx', ['--no-install', 'karafka', 'broker', 'stop'], { cwd: app }).catch(() => undefined)
    rmSync(work, { recursive: true, force: true })
  })

  it('npm pack carries the compiled package, and it installs into an empty project', async (t) => {
    const pack = await exec('npm', ['pack', '--json', '--pack-destination', work], { cwd: REPO, timeoutMs: 180_000 })
    ok(pack, 'npm pack')
    const [packed] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as {
      filename: string
      size: number
      unpackedSize: number
      files: { path: string }[]
    }[]
    const files = packed!.files.map((f) => f.path)
    assert.ok(
      files.includes('lib/src/index.js') && files.includes('lib/src/index.d.ts') && files.includes('bin/karafka.js'),
      'compiled JavaScript with types',
    )
    assert.ok(
      !files.some((f) => f.startsWith('src/') || (f.endsWith('.ts') && !f.endsWith('.d.ts'))),
      `no TypeScript sources: ${files.filter((f) => f.startsWith('src/')).join(', ')}`,
    )
    mkdirSync(app)
    ok(await exec('npm', ['init', '-y'], { cwd: app }), 'npm init')
    const install = await exec(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(work, packed!.filename), `typescript@${TYPESCRIPT}`],
      { cwd: app, timeoutMs: 300_000 },
    )
    ok(install, 'npm install')
    t.diagnostic(
      `package ${packed!.size} bytes packed, ${packed!.unpackedSize} unpacked, ${files.length} files; npm install of it and typescript: ${Math.round(install.ms)} ms`,
    )
  })

  it('imports from plain JavaScript', async () => {
    const result = await exec(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const k = await import('karafka-ts'); const t = await import('karafka-ts/testing'); console.log(typeof k.createLambdaHandler, typeof t.createTestHarness)",
      ],
      { cwd: app },
    )
    ok(result, 'import')
    assert.equal(result.stdout.trim(), 'function function')
  })

  it('tsc --init, then karafka init --lambda: the users app, scripts, a test, and the generated code', async () => {
    ok(await npx(['tsc', '--init']), 'tsc --init')
    const init = await npx(['karafka', 'init', '--lambda'])
    ok(init, 'karafka init')
    assert.match(init.stdout, /created +karafka\.yml/)
    assert.match(init.stdout, /kept +tsconfig\.json/)
    assert.match(init.stdout, /created +handlers\/users\.ts/)
    assert.match(init.stdout, /Next:\n( {2}npx karafka dev| {2}npm test| {2}npx karafka produce)/)
    for (const file of [
      'karafka.yml',
      'handlers/users.ts',
      'handlers/welcome-mailer.ts',
      'generated/karafka.ts',
      'generated/lambda/shop-mailer.users.ts',
      'test/users.test.ts',
      '.gitignore',
    ]) {
      assert.ok(existsSync(path.join(app, file)), `${file} exists`)
    }
    ok(await npx(['karafka', 'codegen', '--check']), 'codegen --check right after init')
  })

  it('a second init changes nothing', async () => {
    const before = snapshotFiles(app, ['node_modules', '.karafka'])
    const again = await npx(['karafka', 'init', '--lambda'])
    ok(again, 'second init')
    assert.match(again.stdout, /Nothing to do/)
    assert.deepEqual(snapshotFiles(app, ['node_modules', '.karafka']), before)
  })

  it("type-checks under tsc --init's defaults, with skipLibCheck off, with moduleResolution bundler, and with init's own tsconfig", async () => {
    const base = readFileSync(path.join(app, 'tsconfig.json'), 'utf8')
    assert.match(base, /"exactOptionalPropertyTypes": true/, "tsc --init's strict defaults")
    writeFileSync(path.join(app, 'tsconfig.libcheck.json'), base.replace('"skipLibCheck": true', '"skipLibCheck": false'))
    writeFileSync(
      path.join(app, 'tsconfig.bundler.json'),
      base
        .replace('"module": "nodenext"', '"module": "esnext", "moduleResolution": "bundler"')
        .replace('"skipLibCheck": true', '"skipLibCheck": false'),
    )
    writeFileSync(path.join(app, 'tsconfig.karafka.json'), TSCONFIG_TEMPLATE)
    const configs = ['tsconfig.json', 'tsconfig.libcheck.json', 'tsconfig.bundler.json', 'tsconfig.karafka.json']
    const results = await Promise.all(configs.map((config) => npx(['tsc', '--noEmit', '-p', config])))
    for (const [i, result] of results.entries()) assert.equal(result.code, 0, `tsc -p ${configs[i]}:\n${result.stdout}${result.stderr}`)
  })

  it("the scaffolded handler test passes with the project's own test command", async () => {
    const result = await exec('npm', ['test'], { cwd: app, env: userEnv() })
    ok(result, 'npm test')
    assert.match(result.stdout, /pass 1/)
    assert.match(result.stdout, /fail 0/)
  })

  it('karafka dev starts a broker, consumes an event a plain .mjs script publishes through the typed responders, in process and on Lambda', async () => {
    writeFileSync(
      path.join(app, 'publish.mjs'),
      `import { closeResponders, responders } from './generated/karafka.js'\n\nconst delivery = await responders.users.userCreated({ id: 7, email: 'ada@example.com', name: 'Ada' })\nconsole.log(\`published to \${delivery.topic}/\${delivery.partition}@\${delivery.offset}\`)\nawait closeResponders()\n`,
    )
    const env = userEnv({ KAFKA_BROKERS: `127.0.0.1:${brokerPort}` })
    // Started through the bin itself, not npx: a signal must reach karafka, as it does from a terminal.
    const dev = start(path.join(app, 'node_modules/.bin/karafka'), ['dev'], { cwd: app, env })
    try {
      await waitFor('karafka dev to run the server', () => /Running karafka-ts server/.test(dev.output().stdout), 90_000)
      const publish = await exec(process.execPath, ['--import', 'karafka-ts/register', 'publish.mjs'], { cwd: app, env })
      ok(publish, 'publish.mjs')
      assert.match(publish.stdout, /published to users\/\d@\d+/)
      // karafka web from the packed package: its pages and assets ship, and it shows the running poller.
      const web = start(path.join(app, 'node_modules/.bin/karafka'), ['web', '--port', '0'], { cwd: app, env })
      try {
        await waitFor('karafka web to listen', () => /karafka web at http:\/\/\S+/.test(web.output().stdout), 15_000)
        const base = /karafka web at (http:\/\/\S+)/.exec(web.output().stdout)![1]!
        for (const asset of ['/assets/app.js', '/assets/app.css', '/assets/uplot.js']) {
          const response = await fetch(`${base}${asset}`)
          assert.equal(response.status, 200, asset)
          assert.ok((await response.text()).length > 500, `${asset} has content`)
        }
        await waitFor(
          'the dashboard to show the poller',
          async () => /data-status="running"/.test(await (await fetch(`${base}/`)).text()),
          30_000,
        )
      } finally {
        web.child.kill('SIGTERM')
      }
      assert.equal(await web.exited, 0, web.output().stderr)
      await waitFor(
        'both handlers to see it',
        () => {
          const { stdout } = dev.output()
          return (
            /\[shop\] users\/\d: New \[user_created\] event: \{"id":7,"email":"ada@example\.com","name":"Ada"\}/.test(stdout) &&
            /\[shop-mailer-users\] New \[user_created\] event: \{"id":7/.test(stdout)
          )
        },
        60_000,
      )
    } finally {
      dev.child.kill('SIGTERM')
    }
    const code = await dev.exited
    const { stdout, stderr } = dev.output()
    assert.equal(code, 0, `${stdout}\n${stderr}`)
    if (NODE_MAJOR >= 22) assert.doesNotMatch(stderr, /Warning/, 'no warning reaches the terminal')
  })

  it('karafka build bundles the Lambda route', async () => {
    const result = await npx(['karafka', 'build'])
    ok(result, 'karafka build')
    assert.match(result.stdout, /shop-mailer-users +shop-mailer\/users +dist\/lambda\/shop-mailer-users\.zip/)
    assert.ok(statSync(path.join(app, 'dist/lambda/shop-mailer-users.zip')).size > 1000)
  })
})
