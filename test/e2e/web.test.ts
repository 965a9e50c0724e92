// biome-ignore-all lint/performance/useDomNodeTextContent: these are Playwright locators, whose innerText() is the rendered text the test asserts on, not the DOM property
// karafka web in a real browser (headless Chromium through playwright-core), against the
// test broker, with two `karafka server` processes of one group and `karafka web` all started
// through the CLI as a user would: an empty state before any poller, both processes on the
// dashboard, the lag falling to 0, a poison message under dead letters (its markup shown as
// text, never run), republished to its source topic (checked in Kafka), a refused forged POST,
// and the processes once they are gone: one stopped, one killed and so stale.
import assert from 'node:assert/strict'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { createTestApp, jobsManifest, type TestApp, waitFor } from '../helpers/app.js'
import { launchBrowser } from '../helpers/browser.js'
import { BIN } from '../helpers/cli.js'
import { start, userEnv } from '../helpers/exec.js'
import { readRecords, uniqueName } from '../helpers/kafka.js'

type Started = ReturnType<typeof start>

/** Loads `url` again until `check` passes on the page (pages also refresh themselves; a reload is quicker to reason about). */
async function until(page: Page, url: string, what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    what,
    async () => {
      await page.goto(url)
      return check()
    },
    timeoutMs,
  )
}

describe('karafka web in a browser (real broker, two pollers)', () => {
  const stops: (() => Promise<unknown>)[] = []
  after(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {})
  })

  it('shows both pollers, the lag falling to 0, a poison message under dead letters that republish puts back; then the pollers stopped and stale', async (t) => {
    const [topic, group] = [uniqueName('web-jobs'), uniqueName('web')]
    const deadLetter = `${topic}.dlq`
    const poisonKey = '<img src=x onerror="window.__xss=1">'
    const app: TestApp = await createTestApp(
      'web',
      jobsManifest({
        clientId: 'web-test',
        topic,
        group,
        partitions: 2,
        route: `batch: { maxSize: 20 }, retry: { attempts: 2, backoffMs: 50, maxBackoffMs: 100 }, deadLetter: ${deadLetter}`,
        app: '',
      }).replace(
        'topics:\n',
        `web: { reportIntervalMs: 1000, reportsTopic: ${uniqueName('reports')}, errorsTopic: ${uniqueName('errors')} }\ntopics:\n`,
      ),
      {
        'handlers/jobs.ts': `import { defineConsumer } from '../generated/karafka.js'
export default defineConsumer('${group}', '${topic}', async (messages, ctx) => {
  await new Promise((resolve) => setTimeout(resolve, 40))
  for (const m of messages) {
    if (m.event === 'job' && m.payload.n === 666) throw new Error('<b>poison</b> never works')
    ctx.markAsConsumed(m)
  }
})
`,
      },
    )
    stops.push(() => app.remove())
    const manifest = ['--manifest', path.join(app.dir, 'karafka.yml')]
    const jobs = app.generated.responders[topic]
    for (let n = 0; n < 400; n++) void jobs.job({ id: `k${n % 40}`, n })
    await jobs.job({ id: poisonKey, n: 666 })

    const web = start(process.execPath, [BIN, 'web', '--port', '0', ...manifest], { cwd: app.dir, env: userEnv() })
    stops.push(async () => {
      web.child.kill('SIGTERM')
      await web.exited
    })
    await waitFor('karafka web to listen', () => /karafka web at http:\/\/\S+/.test(web.output().stdout), 15_000)
    const base = /karafka web at (http:\/\/\S+)/.exec(web.output().stdout)![1]!
    t.diagnostic(`karafka web answered after its start line; ${web.output().stdout.trim()}`)

    const browser = await launchBrowser()
    stops.push(() => browser.close())
    const { page } = browser
    const lagCard = page.locator('[data-card="lag"] .card-value')

    // A cluster that never saw a poller (of these reports): an empty state that says what to do; the lag counts everything.
    await until(
      page,
      `${base}/`,
      'the empty dashboard',
      async () => (await page.locator('.empty h3').count()) > 0 && (await lagCard.textContent()) === '401',
    )
    assert.match(await page.locator('.empty').innerText(), /No poller has reported yet[\s\S]*karafka server/)

    const pollers: Started[] = [0, 1].map(() => start(process.execPath, [BIN, 'server', ...manifest], { cwd: app.dir, env: userEnv() }))
    stops.push(async () => {
      for (const poller of pollers) poller.child.kill('SIGKILL')
    })

    // Both processes on the dashboard, and the lag falling to 0 as they consume.
    const lags: string[] = []
    await until(
      page,
      `${base}/`,
      'two running processes and no lag',
      async () => {
        lags.push((await lagCard.textContent()) ?? '')
        return (await page.locator('table.processes tr[data-status="running"]').count()) === 2 && lags.at(-1) === '0'
      },
      60_000,
    )
    const pids = pollers.map((p) => p.child.pid)
    for (const pid of pids)
      assert.equal(await page.locator(`table.processes tr[data-process*=":${pid}:"]`).count(), 1, `process ${pid} is listed`)
    assert.equal(lags[0], '401', 'the lag began at every message')
    assert.equal(lags.at(-1), '0')
    t.diagnostic(`lag seen on the dashboard: ${[...new Set(lags)].join(' -> ')}`)
    assert.equal(await page.locator('[data-chart="chart-throughput"] canvas').count(), 1, 'the throughput chart is drawn')

    // The consumers page: each process with its partitions (one each, once the group has settled) and their lag.
    let lagCells: string[] = []
    await until(page, `${base}/consumers`, 'each process with one partition', async () => {
      const processes = page.locator('section.process[data-status="running"]')
      const counts = await Promise.all([0, 1].map((i) => processes.nth(i).locator('td.lag').count()))
      lagCells = await processes.locator('td.lag').allTextContents()
      return (await processes.count()) === 2 && counts.every((c) => c === 1)
    })
    assert.deepEqual(lagCells, ['0', '0'])

    // The poison message under dead letters, with its source headers; its markup is text, never markup.
    await until(
      page,
      `${base}/dead-letters/${deadLetter}`,
      'the poison message under dead letters',
      async () => (await page.locator('table.dead-letters tbody tr').count()) > 0,
    )
    assert.equal(
      await page.locator('table.dead-letters tbody tr').count(),
      1,
      'the poison message alone: the handler marks what it consumed',
    )
    const row = page.locator('table.dead-letters tbody tr').first()
    assert.equal(await row.locator('td').nth(6).innerText(), poisonKey)
    assert.match(await row.innerText(), new RegExp(`${topic}/\\d@\\d+`))
    assert.match(await row.innerText(), /Error: <b>poison<\/b> never works/)
    await row.locator('a').first().click()
    assert.match(await page.locator('table.headers').innerText(), /source_consumer_group\s+\S*web/)
    assert.match(await page.locator('pre.value').innerText(), /"n": 666/)
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'the key was not turned into markup')
    assert.equal(await page.evaluate(() => (globalThis as { __xss?: number }).__xss), undefined)

    // Forged POSTs are refused: no form token, or from another origin.
    const action = `${page.url()}/republish`
    assert.equal((await page.request.post(action, { form: { token: 'guess' } })).status(), 403)
    assert.equal((await page.request.post(action, { form: {}, headers: { origin: 'http://evil.example' } })).status(), 403)

    // Republish asks first, then produces the original record to the source topic.
    await page.getByRole('link', { name: `Republish to ${topic}…` }).click()
    assert.match(await page.locator('.confirm').innerText(), new RegExp(`Republish to ${topic}\\?`))
    await page.getByRole('button', { name: `Republish to ${topic}` }).click()
    assert.match(await page.locator('main').innerText(), new RegExp(`Republished to ${topic} as \\d/\\d+`))
    const records = await readRecords(topic, 402, 20_000)
    const poisons = records.filter((r) => r.key === poisonKey)
    assert.equal(poisons.length, 2, 'the original and the republished record')
    assert.equal(poisons[1]!.value, poisons[0]!.value, 'the same value')
    assert.deepEqual(poisons[1]!.headers, poisons[0]!.headers, 'the same headers, without the dead-letter ones')
    assert.ok(!Object.keys(poisons[1]!.headers).some((name) => name.startsWith('source_')))

    // Pollers gone: one killed (stale after 3 of its intervals), one stopped (its last report says so). The UI still shows both.
    pollers[1]!.child.kill('SIGKILL')
    pollers[0]!.child.kill('SIGTERM')
    assert.equal(await pollers[0]!.exited, 0, pollers[0]!.output().stderr)
    await until(page, `${base}/consumers`, 'one process stopped and one stale', async () => {
      const stopped = await page.locator(`section.process[data-status="stopped"][data-process*=":${pids[0]}:"]`).count()
      const stale = await page.locator(`section.process[data-status="stale"][data-process*=":${pids[1]}:"]`).count()
      return stopped === 1 && stale === 1
    })
    assert.match(await page.locator('section.process[data-status="stale"]').innerText(), /no report for .* the process may be gone/)
    await page.goto(`${base}/errors`)
    assert.match(await page.locator('table.errors').innerText(), /consumer\.consume\.error\s+Error: <b>poison<\/b> never works/)
  })
})
