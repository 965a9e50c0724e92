import { type Html, html } from '../http/html.js'

/** "3 s ago", "5 min ago", "2 h ago", "4 days ago". */
export function ago(ms: number): string {
  return `${span(ms)} ago`
}

/** "800 ms", "3 s", "5 min", "2 h", "4 days". */
export function span(ms: number): string {
  const abs = Math.abs(ms)
  if (abs < 1_000) return `${Math.round(abs)} ms`
  if (abs < 90_000) return `${Math.round(abs / 1_000)} s`
  if (abs < 90 * 60_000) return `${Math.round(abs / 60_000)} min`
  if (abs < 36 * 3_600_000) return `${Math.round(abs / 3_600_000)} h`
  return `${Math.round(abs / 86_400_000)} days`
}

/** A time as UTC "2026-12-04 10:11:12", in a <time> element with the relative age as its title. */
export function time(at: number, now: number): Html {
  const iso = new Date(at).toISOString()
  return html`<time datetime="${iso}" title="${ago(now - at)}">${iso.slice(0, 19).replace('T', ' ')}</time>`
}

export const count = (n: number | bigint) => n.toLocaleString('en-US')

/** A value as the UI shows it: pretty-printed JSON, UTF-8 text, or a hex dump of binary data (the first 1 KB). */
export function formatValue(value: Buffer | null): { kind: 'json' | 'text' | 'binary' | 'null'; text: string; bytes: number } {
  if (value === null) return { kind: 'null', text: 'null (a tombstone)', bytes: 0 }
  const text = value.toString('utf8')
  const shown = text.length > 65_536 ? `${text.slice(0, 65_536)}\n... (${count(value.length)} bytes in all)` : text
  if (/^\s*[[{"]/.test(text)) {
    try {
      return { kind: 'json', text: JSON.stringify(JSON.parse(text), null, 2), bytes: value.length }
    } catch {}
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what tell binary data from text
  if (!text.includes('\uFFFD') && !/[\u0000-\u0008\u000e-\u001f]/.test(text)) return { kind: 'text', text: shown, bytes: value.length }
  const hex = value
    .subarray(0, 1_024)
    .toString('hex')
    .replace(/(.{2})/g, '$1 ')
    .replace(/((?:\S\S ){16})/g, '$1\n')
    .trim()
  return { kind: 'binary', text: `${hex}${value.length > 1_024 ? '\n...' : ''}`, bytes: value.length }
}

/** A short preview of a value for tables. */
export function preview(value: Buffer | null, chars = 120): string {
  if (value === null) return 'null'
  const { kind, text } = formatValue(value)
  if (kind === 'binary') return `(binary, ${count(value.length)} bytes)`
  const flat = kind === 'json' ? JSON.stringify(JSON.parse(text)) : text
  return flat.length > chars ? `${flat.slice(0, chars)}…` : flat
}

export function badge(state: string, text = state): Html {
  return html`<span class="badge ${state}">${text}</span>`
}

/** An empty state: what is missing and what to do about it. */
export function empty(title: string, body: Html | string): Html {
  return html`<div class="empty"><h3>${title}</h3><p>${body}</p></div>`
}

export function path(...parts: (string | number | bigint)[]): string {
  return `/${parts.map((p) => encodeURIComponent(String(p))).join('/')}`
}
