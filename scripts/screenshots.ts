// `npm run screenshots`: the README's pictures of karafka web, taken from a real run. It starts
// a dev broker of its own (or uses KAFKA_BROKERS), a small shop app with two `karafka server`
// processes and `karafka web`, sends orders for about a minute (with a slow spell, so that the
// lag shows), one order that its handler cannot take, and then photographs the dashboard and
// that dead letter with headless Chromium into docs/screenshots/.
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { benchBroker } from '../bench/broker.js'
import { createTestApp, waitFor } from '../test/helpers/app.js'
import { launchBrowser } from '../test/helpers/browser.js'
import { BIN } from '../test/helpers/cli.js'
import { start, userEnv } from '../test/helpers/exec.js'

const out = fileURLToPath(new URL('../docs/screenshots/', import.meta.url))
const SECONDS = Number(process.env.SCREENSHOT_SECONDS ?? 70)

const broker = await benchBroker()
const app = await createTestApp(
  'screenshots',
  `app:
  clientId: shop
  brokers: \${KAFKA_BROKERS}
web: { reportIntervalMs: 2000 }
topics:
  orders:
    partitions: 4
    key: customerId
    events:
      order_completed: { orderId: string, customerId: string, total: number }
  users:
    partitions: 2
    key: id
    events:
      user_created: { id: integer, email: string }
consumerGroups:
  shop:
    topics:
      orders: { handler: handlers/invoicing.ts, batch: { maxSize: 20 }, retry: { attempts: 3, backoffMs: 200 }, deadLetter: orders.dlq }
      users: { handler: handlers/users.ts }
`,
  {
    'handlers/invoicing.ts': `import { defineConsumer } from '../generated/karafka.js'
export default defineConsumer('shop', 'orders', async (messages, ctx) => {
  // Slower while the file flag exists: the lag builds up, then drains.
  const slow = (await import('node:fs')).existsSync(new URL('../slow', import.meta.url))
  await new Promise((resolve) => setTimeout(resolve, slow ? 1500 : 15))
  for (const m of messages) {
    if (m.event === 'order_completed' && m.payload.total < 0) throw new RangeError(\`order \${m.payload.orderId}: a negative total (\${m.payload.total}) cannot be invoiced\`)
    ctx.markAsConsumed(m)
  }
})
`,
    'handlers/users.ts': `import { defineConsumer } from '../generated/karafka.js'
export default defineConsumer('shop', 'users', async () => {})
`,
  },
)
const manifest = ['--manifest', path.join(app.dir, 'karafka.yml')]
const children: ReturnType<typeof start>[] = []
try {
  const web = start(process.execPath, [BIN, 'web', '--port', '0', ...manifest], { cwd: app.dir, env: userEnv() })
  children.push(web)
  await waitFor('karafka web', () => /karafka web at http:\/\/\S+/.test(web.output().stdout), 15_000)
  const base = /karafka web at (http:\/\/\S+)/.exec(web.output().stdout)![1]!
  for (let i = 0; i < 2; i++) children.push(start(process.execPath, [BIN, 'server', ...manifest], { cwd: app.dir, env: userEnv() }))
  const { responders } = app.generated
  const { writeFileSync, rmSync } = await import('node:fs')
  const slowFlag = path.join(app.dir, 'slow')
  mkdirSync(out, { recursive: true })
  const browser = await launchBrowser({ width: 1280, height: 860 })
  // While the orders still flow: the dashboard, then the dead letter.
  const photograph = async () => {
    const { page } = browser
    await page.goto(`${base}/`)
    await page.waitForSelector('[data-chart="chart-throughput"] canvas')
    await page.screenshot({ path: path.join(out, 'dashboard.png') })
    await page.goto(`${base}/dead-letters/orders.dlq`)
    await page.locator('table.dead-letters tbody tr a').first().click()
    await page.screenshot({ path: path.join(out, 'dead-letter.png') })
    await browser.close()
  }
  const began = Date.now()
  let n = 0
  let poisoned = false
  while (Date.now() - began < SECONDS * 1000) {
    const second = (Date.now() - began) / 1000
    if (second > SECONDS * 0.35 && second < SECONDS * 0.6) writeFileSync(slowFlag, '')
    else rmSync(slowFlag, { force: true })
    const rate = 60 + Math.round(40 * Math.sin(second / 6))
    for (let i = 0; i < rate / 5; i++, n++) {
      void responders.orders.orderCompleted({ orderId: `o-${n}`, customerId: `c-${n % 97}`, total: 10 + (n % 50) })
      if (n % 7 === 0) void responders.users.userCreated({ id: n, email: `user${n}@example.com` })
    }
    if (!poisoned && n > 300) {
      poisoned = true
      await responders.orders.orderCompleted({ orderId: 'o-4711', customerId: 'c-42', total: -12.5 })
    }
    await sleep(200)
    if (Date.now() - began > SECONDS * 1000 - 200) await photograph()
  }
  rmSync(slowFlag, { force: true })
  process.stdout.write(`written: ${path.join(out, 'dashboard.png')}, dead-letter.png\n`)
} finally {
  for (const child of children) child.child.kill('SIGTERM')
  await Promise.all(children.map((c) => c.exited))
  await app.remove()
  await broker.stop()
}
process.exit(0)
