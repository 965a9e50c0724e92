import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import type { Manifest } from '../../manifest/types.js'
import { type ClusterProblem, clusterErrorText, clusterProblem } from '../data/cluster-problem.js'
import { WebData } from '../data/web-data.js'
import { consumersPage } from '../pages/consumers.js'
import { dashboardPage } from '../pages/dashboard.js'
import { deadLetterPage, deadLettersPage, deadLetterTopicPage } from '../pages/dead-letters.js'
import { errorsPage } from '../pages/errors.js'
import { empty, path } from '../pages/format.js'
import { layout } from '../pages/layout.js'
import type { Page, PageContext } from '../pages/page.js'
import { routesPage } from '../pages/routes.js'
import { topicPage, topicsPage } from '../pages/topics.js'
import { html } from './html.js'
import { csrfProblem, hostAllowed, isAuthorized, isLoopback, SECURITY_HEADERS } from './security.js'

export interface WebServerOptions {
  manifest: Manifest
  port: number
  host: string
  /** Basic auth: every request must carry this password (any user name). */
  password?: string | undefined
}

export interface WebServer {
  url: string
  port: number
  data: WebData
  close(): Promise<void>
}

const require = createRequire(import.meta.url)
const VERSION = (require('karafka-ts/package.json') as { version: string }).version

/** The UI's static files: its own script and style beside this module, and uPlot's from its package. */
function loadAssets(): Map<string, { type: string; body: Buffer }> {
  const own = (name: string) => readFileSync(new URL(`../assets/${name}`, import.meta.url))
  return new Map([
    ['/assets/app.js', { type: 'text/javascript; charset=utf-8', body: own('app.js') }],
    ['/assets/app.css', { type: 'text/css; charset=utf-8', body: own('app.css') }],
    ['/assets/uplot.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js')) }],
    ['/assets/uplot.css', { type: 'text/css; charset=utf-8', body: readFileSync(require.resolve('uplot/dist/uPlot.min.css')) }],
  ])
}

type Route = [RegExp, (ctx: PageContext, match: string[]) => Promise<Page>]

const SEGMENT = '([^/]+)'
const ROUTES: Route[] = [
  [/^\/$/, (ctx) => dashboardPage(ctx)],
  [/^\/consumers$/, (ctx) => consumersPage(ctx)],
  [/^\/routes$/, (ctx) => routesPage(ctx)],
  [/^\/errors$/, (ctx) => errorsPage(ctx)],
  [/^\/dead-letters$/, (ctx) => deadLettersPage(ctx)],
  [new RegExp(`^/dead-letters/${SEGMENT}$`), (ctx, [topic]) => deadLetterTopicPage(ctx, topic!)],
  [
    new RegExp(`^/dead-letters/${SEGMENT}/(\\d+)/(\\d+)(/republish)?$`),
    (ctx, [topic, partition, offset, confirm]) => deadLetterPage(ctx, topic!, Number(partition), BigInt(offset!), confirm !== undefined),
  ],
  [/^\/topics$/, (ctx) => topicsPage(ctx)],
  [new RegExp(`^/topics/${SEGMENT}$`), (ctx, [topic]) => topicPage(ctx, topic!)],
]

const REPUBLISH = new RegExp(`^/dead-letters/${SEGMENT}/(\\d+)/(\\d+)/republish$`)

/**
 * `karafka web`'s HTTP server (node:http): pages rendered on the server from the reports, the
 * errors topic and the cluster, plain files for the script and style. It listens before it
 * has read anything, so it answers at once; the data comes in behind it. With a password,
 * every request needs it (basic auth); on a loopback address only loopback host names are
 * answered; the one action that writes (republish) is a POST with a form token from the
 * same origin.
 * @throws Error when the port cannot be listened on (the caller says what to do).
 */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const { manifest, password } = options
  const assets = loadAssets()
  const data = new WebData(manifest)
  const token = randomBytes(24).toString('base64url')
  const loopback = isLoopback(options.host)

  const server = http.createServer((request, response) => {
    void handle(request, response).catch((error: Error) => {
      if (!response.headersSent) send(response, 500, 'text/plain; charset=utf-8', `karafka web: ${error.message}\n`)
      else response.destroy()
    })
  })

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    if (!hostAllowed(request.headers, loopback))
      return send(response, 421, 'text/plain; charset=utf-8', 'this server answers only to localhost\n')
    if (password !== undefined && !isAuthorized(request.headers.authorization, password)) {
      response.setHeader('www-authenticate', 'Basic realm="karafka web", charset="UTF-8"')
      return send(response, 401, 'text/plain; charset=utf-8', 'karafka web needs the password (KARAFKA_WEB_PASSWORD)\n')
    }
    const url = new URL(request.url ?? '/', 'http://localhost')
    const ctx: PageContext = { manifest, data, now: Date.now(), url, token, version: VERSION }
    if (request.method === 'POST') {
      const match = REPUBLISH.exec(url.pathname)
      if (!match) return send(response, 405, 'text/plain; charset=utf-8', 'only republish takes a POST\n')
      return republish(ctx, request, response, match.slice(1))
    }
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return send(response, 405, 'text/plain; charset=utf-8', 'GET, HEAD or POST\n')
    const asset = assets.get(url.pathname)
    if (asset) {
      response.writeHead(200, { 'content-type': asset.type, 'x-content-type-options': 'nosniff', 'cache-control': 'max-age=300' })
      response.end(request.method === 'HEAD' ? undefined : asset.body)
      return
    }
    for (const [pattern, render] of ROUTES) {
      const match = pattern.exec(url.pathname)
      if (!match) continue
      const segments = decodeSegments(match.slice(1))
      if (!segments) return send(response, 400, 'text/plain; charset=utf-8', BAD_ENCODING)
      return sendPage(response, ctx, await renderSafely(ctx, () => render(ctx, segments)))
    }
    sendPage(response, ctx, {
      title: 'Not found',
      nav: 'dashboard',
      status: 404,
      body: empty('No such page', html`<a href="/">The dashboard</a>`),
    })
  }

  async function republish(
    ctx: PageContext,
    request: http.IncomingMessage,
    response: http.ServerResponse,
    [topic, partition, offset]: string[],
  ) {
    const name = decodeSegments([topic!])?.[0]
    if (name === undefined) return send(response, 400, 'text/plain; charset=utf-8', BAD_ENCODING)
    const form = new URLSearchParams(await readBody(request, 4_096))
    const problem = csrfProblem(request.headers, form.get('token') ?? undefined, token)
    if (problem)
      return sendPage(response, ctx, { title: 'Refused', nav: 'dead-letters', status: 403, body: empty('Not republished', problem) })
    try {
      const delivery = await data.republish(name, Number(partition), BigInt(offset!))
      response.writeHead(303, {
        ...SECURITY_HEADERS,
        location: `${path('dead-letters', name, partition!, offset!)}?republished=${delivery.partition}/${delivery.offset}`,
      })
      response.end()
    } catch (error) {
      sendPage(response, ctx, {
        title: 'Not republished',
        nav: 'dead-letters',
        status: 409,
        body: empty('Not republished', clusterErrorText(error)),
      })
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => resolve())
  })
  server.keepAliveTimeout = 5_000
  data.start()
  const { port } = server.address() as AddressInfo
  const shown =
    options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host.includes(':') ? `[${options.host}]` : options.host
  return {
    url: `http://${shown}:${port}`,
    port,
    data,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      await data.close()
    },
  }
}

const BAD_ENCODING = 'the address is not valid percent-encoding (a % must be followed by the UTF-8 bytes of a character)\n'

/**
 * The path segments a route matched, decoded; undefined when one is not valid percent-encoding.
 * Decoded before any page is rendered, so that a malformed address is the client's mistake
 * (400) and never reads as a cluster that did not answer.
 */
export function decodeSegments(segments: readonly string[]): string[] | undefined {
  try {
    // An optional group that did not match is undefined at run time: it stays so.
    return segments.map((segment) => segment && decodeURIComponent(segment))
  } catch (error) {
    if (error instanceof URIError) return undefined
    throw error
  }
}

/** A page, or what went wrong reading the cluster for it: a page that says so (503), never a stack. */
async function renderSafely(ctx: PageContext, render: () => Promise<Page>): Promise<Page> {
  try {
    return await render()
  } catch (error) {
    return clusterProblemPage(clusterProblem(error, ctx.manifest.app.brokers, ctx.data.follower.refusal))
  }
}

/** The page for a read of the cluster that failed: what happened and what to do (a refused TLS or SASL setting names the one to fix). */
export function clusterProblemPage(problem: ClusterProblem): Page {
  return {
    title: problem.title,
    nav: 'dashboard',
    status: 503,
    body: empty('Not read', html`${problem.what}. ${problem.hint} This page tries again when reloaded.`),
  }
}

function sendPage(response: http.ServerResponse, ctx: PageContext, page: Page): void {
  response.writeHead(page.status ?? 200, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' })
  response.end(ctx.url && response.req.method === 'HEAD' ? undefined : layout(ctx, page).text)
}

function send(response: http.ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type })
  response.end(body)
}

function readBody(request: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = ''
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => {
      body += chunk
      if (body.length > limit) {
        reject(new Error('the form is too large'))
        request.destroy()
      }
    })
    request.on('end', () => resolve(body))
    request.on('error', reject)
  })
}
