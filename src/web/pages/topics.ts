import type { Manifest } from '../../manifest/types.js'
import { html } from '../http/html.js'
import { count, empty, path, preview, time } from './format.js'
import type { Page, PageContext } from './page.js'
import { recordView } from './records.js'

const BROWSE = 20

/** What a topic is to the manifest. */
function role(manifest: Manifest, name: string): string {
  if (manifest.topics[name]) return manifest.routes.some((r) => r.topic === name) ? 'events, consumed' : 'events'
  if (manifest.routes.some((r) => r.deadLetter === name)) return 'dead letters'
  if (name === manifest.web.reportsTopic) return 'web reports'
  if (name === manifest.web.errorsTopic) return 'web errors'
  return 'not in the manifest'
}

/** Every topic of the cluster: partitions, replication, records, and what it is to the manifest. */
export async function topicsPage(ctx: PageContext): Promise<Page> {
  const topics = await ctx.data.topics()
  const body = topics.value
    ? topics.value.length === 0
      ? empty('No topics', html`Create the manifest's with <code>karafka topics migrate</code>.`)
      : html`<table class="topics"><thead><tr><th>topic</th><th>role</th><th>partitions</th><th>replication</th><th>records</th></tr></thead><tbody>${topics.value.map(
          (t) =>
            html`<tr data-topic="${t.name}"><td><a href="${path('topics', t.name)}">${t.name}</a></td><td>${role(ctx.manifest, t.name)}</td><td>${t.partitions}</td><td>${t.replicationFactor}</td><td>${count(t.messages)}</td></tr>`,
        )}</tbody></table>`
    : empty('Topics not read', topics.error ?? 'the cluster did not answer')
  return { title: 'Topics', nav: 'topics', body }
}

/** One topic: partitions with leaders and watermarks, its configs, and a browser of its records by offset or time. */
export async function topicPage(ctx: PageContext, name: string): Promise<Page> {
  const { data, url, now } = ctx
  const detail = await data.topic(name)
  if (!detail) return { title: name, nav: 'topics', status: 404, body: empty('No such topic', html`<a href="/topics">All topics</a>`) }
  const partition = clampInt(url.searchParams.get('partition'), 0, detail.partitions - 1) ?? 0
  const at = url.searchParams.get('time')
  const offsetParam = url.searchParams.get('offset')
  let from: bigint | undefined
  let problem: string | undefined
  if (at) {
    const when = Date.parse(at)
    if (Number.isNaN(when)) problem = `"${at}" is not a time: write it as 2026-12-04T10:00:00Z`
    else from = (await data.offsetsAt(name, when)).get(partition)
  } else if (offsetParam !== null && offsetParam !== '') {
    if (/^\d+$/.test(offsetParam)) from = BigInt(offsetParam)
    else problem = `"${offsetParam}" is not an offset (a whole number)`
  }
  const offsets = detail.offsets.find((o) => o.partition === partition)
  const low = BigInt(offsets?.low ?? '0')
  const high = BigInt(offsets?.high ?? '0')
  // By default the newest records of the partition.
  from ??= high - BigInt(BROWSE) > low ? high - BigInt(BROWSE) : low
  const read = await data.records(name, partition, from, BROWSE)
  const link = (offset: bigint) => `${path('topics', name)}?partition=${partition}&offset=${offset}#browse`
  const body = html`
<section><h2>Partitions</h2><table class="partitions"><thead><tr><th>partition</th><th>leader</th><th>replicas</th><th>in sync</th><th>first offset</th><th>end offset</th><th>records</th></tr></thead>
<tbody>${detail.leaders.map((l) => {
    const o = detail.offsets.find((x) => x.partition === l.partition)
    return html`<tr><td><a href="${path('topics', name)}?partition=${l.partition}#browse">${l.partition}</a></td><td>${l.leader}</td><td>${l.replicas.join(', ')}</td><td>${l.isr.join(', ')}</td><td>${o?.low}</td><td>${o?.high}</td><td>${o ? count(BigInt(o.high) - BigInt(o.low)) : ''}</td></tr>`
  })}</tbody></table></section>
<section><h2>Configs</h2>${
    detail.configs.length === 0
      ? html`<p class="muted">Only broker defaults.</p>`
      : html`<table class="configs"><tbody>${detail.configs.map(([k, v]) => html`<tr><td><code>${k}</code></td><td><code>${v}</code></td></tr>`)}</tbody></table>`
  }</section>
<section id="browse"><h2>Records</h2>
<form class="browse" method="get" action="${path('topics', name)}#browse">
  <label>partition <select name="partition">${detail.leaders.map((l) => html`<option value="${l.partition}"${l.partition === partition ? html` selected` : ''}>${l.partition}</option>`)}</select></label>
  <label>from offset <input name="offset" inputmode="numeric" value="${at ? '' : String(read.from)}" size="10"></label>
  <label>or from time <input name="time" value="${at ?? ''}" placeholder="2026-12-04T10:00:00Z" size="22"></label>
  <button type="submit">Show</button>
</form>
${problem ? html`<p class="banner warn">${problem}</p>` : ''}
<p class="muted">Partition ${partition} holds offsets ${low} to ${high - 1n < low ? low : high - 1n}${high === low ? ' (empty)' : ''}; showing ${read.records.length} from ${read.from}.
${read.from > low ? html`<a href="${link(read.from - BigInt(BROWSE) > low ? read.from - BigInt(BROWSE) : low)}">← older</a>` : ''}
${read.records.length > 0 && BigInt(read.records.at(-1)!.offset) + 1n < high ? html`<a href="${link(BigInt(read.records.at(-1)!.offset) + 1n)}">newer →</a>` : ''}</p>
${read.records.map(
  (r) =>
    html`<details class="record-row"><summary><span class="offset">${r.offset}</span> ${time(r.timestamp, now)} <code class="key">${r.key === null ? 'null' : r.key.toString('utf8')}</code> <code class="preview">${preview(r.value)}</code></summary>${recordView(r, now)}</details>`,
)}
</section>`
  return { title: `Topic ${name}`, nav: 'topics', body }
}

function clampInt(text: string | null, min: number, max: number): number | undefined {
  if (text === null || !/^\d+$/.test(text)) return undefined
  return Math.min(max, Math.max(min, Number(text)))
}
