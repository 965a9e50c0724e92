import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'

/** The environment variable holding the UI's basic-auth password; unset, the UI asks for none. */
export const PASSWORD_ENV = 'KARAFKA_WEB_PASSWORD'

/** Every page's headers: no inline script or style, no framing, no referrer beyond the UI itself, nothing cached. */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest()

/** Constant-time equality of two strings (through their hashes, so that lengths do not show either). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b))
}

/** Whether the Authorization header carries `password` (any user name) as HTTP basic auth. */
export function isAuthorized(header: string | undefined, password: string): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '')
  if (!match) return false
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return colon >= 0 && sameSecret(decoded.slice(colon + 1), password)
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]'])

/** True for an address that only this machine reaches. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/**
 * A page served on a loopback address answers only requests that name a loopback host: a
 * web page elsewhere cannot point a name of its own at 127.0.0.1 (DNS rebinding) and read
 * the UI through the visitor's browser.
 */
export function hostAllowed(headers: IncomingHttpHeaders, boundToLoopback: boolean): boolean {
  if (!boundToLoopback) return true
  const host = headers.host
  if (!host) return false
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!
  return LOOPBACK_NAMES.has(name.toLowerCase()) || /^127\.\d+\.\d+\.\d+$/.test(name)
}

/**
 * Why a state-changing POST is refused, or undefined when it may go on: it must carry this
 * process's form token (pages put it in their forms) and, when the browser says where it
 * comes from (Origin, Sec-Fetch-Site), come from the UI's own origin.
 */
export function csrfProblem(headers: IncomingHttpHeaders, formToken: string | undefined, token: string): string | undefined {
  const site = headers['sec-fetch-site']
  if (site !== undefined && site !== 'same-origin') return `the request came from another site (Sec-Fetch-Site: ${site})`
  const origin = headers.origin
  // A browser that says same-origin itself is believed (no page can forge that header); otherwise the Origin must be this one.
  if (site !== 'same-origin' && origin !== undefined) {
    if (origin === 'null') return 'the request came from an opaque origin'
    let host: string
    try {
      host = new URL(origin).host
    } catch {
      return `the Origin header is not a URL (${origin})`
    }
    if (host !== headers.host) return `the request came from ${origin}, not from this page's origin`
  }
  if (formToken === undefined || !sameSecret(formToken, token))
    return 'the form token is missing or out of date: reload the page and try again'
  return undefined
}
