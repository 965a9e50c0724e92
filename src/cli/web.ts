import { ArgumentsError } from '../errors/index.js'
import { loadManifest } from '../manifest/index.js'
import type { Command } from './command.js'

/** `karafka web`. */
export const web: Command = {
  words: ['web'],
  summary: 'serve the web UI: consumers, lag, routes, errors, dead letters and topics of the manifest cluster',
  args: '[--port 3000] [--host 127.0.0.1]',
  options: { port: { type: 'string' }, host: { type: 'string' } },
  optionHelp: {
    port: 'the port (default 3000; 0 picks a free one)',
    host: 'the address to listen on (default 127.0.0.1, this machine only); another exposes the UI, see KARAFKA_WEB_PASSWORD',
  },
  async run({ values, manifestPath }) {
    const manifest = loadManifest(manifestPath)
    const port = values.port === undefined ? 3000 : Number(values.port)
    if (!(Number.isInteger(port) && port >= 0 && port <= 65_535) || (typeof values.port === 'string' && !/^\d+$/.test(values.port)))
      throw new ArgumentsError(`--port ${String(values.port)} is not a port (0 to 65535)`, 'for example --port 3000')
    const host = typeof values.host === 'string' ? values.host : '127.0.0.1'
    if (host === '') throw new ArgumentsError('--host is empty', 'give an address such as 127.0.0.1 or 0.0.0.0')
    const { PASSWORD_ENV, isLoopback } = await import('../web/http/security.js')
    const password = process.env[PASSWORD_ENV] || undefined
    const { startWebServer } = await import('../web/http/server.js')
    let server: Awaited<ReturnType<typeof startWebServer>>
    try {
      server = await startWebServer({ manifest, port, host, password })
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      const why =
        code === 'EADDRINUSE'
          ? `port ${port} is taken`
          : code === 'EADDRNOTAVAIL'
            ? `${host} is not an address of this machine`
            : (error as Error).message
      throw new ArgumentsError(
        `cannot serve karafka web on ${host}:${port}: ${why}`,
        'choose another with --port (0 picks a free one) or --host',
      )
    }
    if (!isLoopback(host)) {
      process.stderr.write(
        `warning: karafka web listens on ${host}:${server.port}, reachable from other machines: whoever reaches it sees your topics and messages and can republish dead letters. ${
          password
            ? `It asks for the ${PASSWORD_ENV} password (basic auth, so put TLS in front of it).`
            : `Set ${PASSWORD_ENV} to make it ask for a password, and put TLS in front of it.`
        }\n`,
      )
    }
    process.stdout.write(
      `karafka web at ${server.url} for ${manifest.app.clientId} (${manifest.app.brokers.join(', ')})${password ? `, password from ${PASSWORD_ENV}` : ''}\n`,
    )
    return new Promise<number>((resolve) => {
      const stop = () => void server.close().then(() => resolve(0))
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
  },
}
