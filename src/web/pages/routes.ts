import { html } from '../http/html.js'
import { empty, path } from './format.js'
import type { Page, PageContext } from './page.js'

/** The manifest's routing: each group's routes with their backend, batch, retry, dead-letter topic and virtual partitions. */
export async function routesPage(ctx: PageContext): Promise<Page> {
  const { manifest } = ctx
  const groups = Object.entries(manifest.consumerGroups)
  const body =
    groups.length === 0
      ? empty(
          'No routes',
          html`The manifest has no <code>consumerGroups:</code>. Add one that routes a topic to a handler, then run <code>karafka codegen</code>.`,
        )
      : html`${groups.map(([group, routes]) => {
          const settings = manifest.groupSettings[group]
          return html`<section><h2>${group}</h2>
<p class="muted">session timeout ${settings?.sessionTimeoutMs} ms, heartbeat every ${settings?.heartbeatIntervalMs} ms</p>
<table class="routes"><thead><tr><th>topic</th><th>handler</th><th>backend</th><th>batch</th><th>start from</th><th>retry</th><th>dead letters</th><th>virtual partitions</th></tr></thead>
<tbody>${routes.map(
            (r) => html`<tr data-route="${group}/${r.topic}">
<td><a href="${path('topics', r.topic)}">${r.topic}</a></td>
<td><code>${r.handler}</code></td>
<td>${r.backend === 'lambda' ? html`<span class="badge lambda">lambda</span> ${r.functionName}:${manifest.lambda?.alias}` : 'local'}</td>
<td>${r.batch.maxSize} messages / ${r.batch.maxWaitMs} ms</td>
<td>${r.startFrom}</td>
<td>${r.retry.attempts} attempts, ${r.retry.backoffMs} ms doubling to ${r.retry.maxBackoffMs} ms</td>
<td>${r.deadLetter ? html`<a href="${path('dead-letters', r.deadLetter)}">${r.deadLetter}</a>` : html`<span class="muted">none: retries until it succeeds</span>`}</td>
<td>${r.virtualPartitions ? `up to ${r.virtualPartitions.max} by ${r.virtualPartitions.by}, ${r.virtualPartitions.distribution}` : '–'}</td>
</tr>`,
          )}</tbody></table></section>`
        })}
<section><h2>Reporting</h2><p>${
          manifest.web.reporting
            ? html`Each <code>karafka server</code> reports to <code>${manifest.web.reportsTopic}</code> every ${manifest.web.reportIntervalMs} ms and on each change, and its handler failures to <code>${manifest.web.errorsTopic}</code>.`
            : html`Off (<code>web: { reporting: false }</code>): pollers do not report.`
        }</p></section>`
  return { title: 'Routes', nav: 'routes', body }
}
