import type { Manifest } from '../../manifest/types.js'
import type { WebData } from '../data/web-data.js'
import type { Html } from '../http/html.js'

export const NAV = [
  ['dashboard', '/', 'Dashboard'],
  ['consumers', '/consumers', 'Consumers'],
  ['routes', '/routes', 'Routes'],
  ['errors', '/errors', 'Errors'],
  ['dead-letters', '/dead-letters', 'Dead letters'],
  ['topics', '/topics', 'Topics'],
] as const

export type NavKey = (typeof NAV)[number][0]

/** What a page is rendered with. */
export interface PageContext {
  manifest: Manifest
  data: WebData
  now: number
  url: URL
  /** The form token POSTs must carry (see security.ts). */
  token: string
  version: string
}

export interface Page {
  title: string
  nav: NavKey
  body: Html
  /** Reloaded in place this often (seconds) by the page script. */
  refreshSeconds?: number
  status?: number
}
