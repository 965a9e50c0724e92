import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'
import { type GroupStatus, type ReadinessLimits, readiness } from './health.js'

export interface ObservabilityServer {
  url: string
  port: number
  close(): Promise<void>
}

export interface ObservabilityServerOptions extends ReadinessLimits {
  port: number
  host: string
  registry: Registry
  status(): GroupStatus[]
}

/**
 * The server's HTTP endpoint: GET /metrics (Prometheus text format), /healthz (the process
 * answers: 200) and /readyz (200 when every group is joined and polling, 503 with the
 * reasons otherwise; both answer JSON).
 */
export async function startObservabilityServer(options: ObservabilityServerOptions): Promise<ObservabilityServer> {
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost')
    if (request.method !== 'GET' && request.method !== 'HEAD') return answer(response, 405, 'text/plain', 'only GET\n')
    if (url.pathname === '/metrics') {
      options.registry.metrics().then(
        (text) => answer(response, 200, options.registry.contentType, text),
        (error: Error) => answer(response, 500, 'text/plain', `${error.message}\n`),
      )
      return
    }
    if (url.pathname === '/healthz') return answer(response, 200, 'application/json', '{"status":"ok"}\n')
    if (url.pathname === '/readyz') {
      const result = readiness(options.status(), Date.now(), options)
      return answer(response, result.ready ? 200 : 503, 'application/json', `${JSON.stringify(result)}\n`)
    }
    answer(response, 404, 'text/plain', 'not found: try /metrics, /healthz or /readyz\n')
  })
  server.keepAliveTimeout = 5_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

function answer(response: http.ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' })
  response.end(body)
}
