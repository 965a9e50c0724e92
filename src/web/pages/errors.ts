import { type Html, html } from '../http/html.js'
import type { ErrorRecord } from '../report.js'
import { count, empty, time } from './format.js'
import type { Page, PageContext } from './page.js'

/** Recent handler failures, newest first, from the errors topic; ?topic= and ?group= narrow them. */
export async function errorsPage(ctx: PageContext): Promise<Page> {
  const { data, manifest, url, now } = ctx
  const topic = url.searchParams.get('topic') ?? undefined
  const group = url.searchParams.get('group') ?? undefined
  const records = data.errors.recent().filter((r) => (!topic || r.topic === topic) && (!group || r.group === group))
  const state = data.follower.states.get(manifest.web.errorsTopic)!
  const filter =
    topic || group
      ? html`<p>Showing ${[group && `group ${group}`, topic && `topic ${topic}`].filter(Boolean).join(', ')} · <a href="/errors">all</a></p>`
      : ''
  const body =
    records.length === 0
      ? empty(
          topic || group ? 'No failures here' : 'No handler has failed',
          state.missing
            ? html`The errors topic <code>${manifest.web.errorsTopic}</code> does not exist yet: <code>karafka topics migrate</code> creates it.`
            : html`Each failed handler call, invalid message and Lambda invocation that failed lands in <code>${manifest.web.errorsTopic}</code> (kept 3 days) and shows here.`,
        )
      : html`${filter}<p class="muted">${count(data.errors.countSince(now - 3_600_000))} in the last hour; the newest ${count(records.length)} shown.</p>${errorsTable(records.slice(0, 200), ctx, false)}`
  return { title: 'Errors', nav: 'errors', body, refreshSeconds: 10 }
}

/** Failures in a table; `compact` leaves out the stacks. */
export function errorsTable(records: ErrorRecord[], ctx: PageContext, compact: boolean): Html {
  const backend = (group?: string, topic?: string) => ctx.manifest.routes.find((r) => r.group === group && r.topic === topic)?.backend
  return html`<table class="errors">
<thead><tr><th>time</th><th>route</th><th>partition</th><th>offset</th><th>attempt</th><th>error</th><th>process</th></tr></thead>
<tbody>${records.map(
    (r) => html`<tr>
<td>${time(r.at, ctx.now)}</td>
<td>${r.group ? html`<a href="/errors?group=${encodeURIComponent(r.group)}">${r.group}</a>` : '–'}${r.topic ? html` / <a href="/errors?topic=${encodeURIComponent(r.topic)}">${r.topic}</a>` : ''}${backend(r.group, r.topic) === 'lambda' ? html` <span class="badge lambda">lambda</span>` : ''}</td>
<td>${r.partition ?? '–'}</td>
<td>${r.offset ?? '–'}</td>
<td>${r.attempt ?? '–'}${r.transient ? html` <span class="muted" title="not the handler's fault: no attempt counted">(transient)</span>` : ''}</td>
<td><span class="error-type">${r.type}</span> <strong>${r.error.name}</strong>: ${r.error.message}${!compact && r.error.stack ? html`<details><summary>stack</summary><pre>${r.error.stack}</pre></details>` : ''}</td>
<td>${r.host}:${r.pid}</td>
</tr>`,
  )}</tbody></table>`
}
