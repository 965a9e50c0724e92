import type { ReadRecord } from '../../kafka/reader.js'
import { type Html, html } from '../http/html.js'
import { count, formatValue, time } from './format.js'

/** A record in full: partition and offset, time, key, every header, and the value pretty-printed. */
export function recordView(record: ReadRecord, now: number, highlight: ReadonlySet<string> = new Set()): Html {
  const value = formatValue(record.value)
  return html`<article class="record" data-offset="${record.offset}">
<dl class="facts">
  <div><dt>partition / offset</dt><dd>${record.partition} / ${record.offset}</dd></div>
  <div><dt>time</dt><dd>${time(record.timestamp, now)}</dd></div>
  <div><dt>key</dt><dd><code class="key">${record.key === null ? 'null' : record.key.toString('utf8')}</code></dd></div>
  <div><dt>value</dt><dd>${value.kind}, ${count(value.bytes)} bytes</dd></div>
</dl>
${
  record.headers.length === 0
    ? ''
    : html`<table class="headers"><thead><tr><th>header</th><th>value</th></tr></thead><tbody>${record.headers.map(
        ([name, v]) =>
          html`<tr${highlight.has(name) ? html` class="added"` : ''}><td><code>${name}</code></td><td><code>${v.toString('utf8')}</code></td></tr>`,
      )}</tbody></table>`
}
<pre class="value ${value.kind}">${value.text}</pre>
</article>`
}
