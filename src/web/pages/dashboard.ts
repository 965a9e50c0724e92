import type { PartitionLag } from '../../topics/lag.js'
import type { ProcessView } from '../data/reports-store.js'
import { type Html, html, jsonBlock } from '../http/html.js'
import { errorsTable } from './errors.js'
import { ago, badge, count, empty, path } from './format.js'
import type { Page, PageContext } from './page.js'

/** The dashboard: processes, throughput, lag, errors and dead letters at a glance, and the last hour as charts. */
export async function dashboardPage(ctx: PageContext): Promise<Page> {
  const { data, now, manifest } = ctx
  const processes = data.reports.processes(now)
  const live = processes.filter((p) => p.status === 'running' || p.status === 'stopping')
  const [lag, topics] = await Promise.all([data.lagRows(), data.topics()])
  const deadLetterTopics = new Set(manifest.routes.flatMap((r) => (r.deadLetter ? [r.deadLetter] : [])))
  const deadLetters = topics.value?.filter((t) => deadLetterTopics.has(t.name)).reduce((sum, t) => sum + t.messages, 0)
  const series = data.reports.series(now, data.lagSamples)
  const throughput = live.reduce((sum, p) => sum + p.report.throughput, 0)
  const stale = processes.filter((p) => p.status === 'stale').length
  const errorsLastHour = data.errors.countSince(now - 3_600_000)
  const totalLag = lag.value?.reduce((sum, row) => sum + row.lag, 0)
  const cards = html`<section class="cards">
  ${card('Processes', count(live.length), stale > 0 ? html`${badge('stale', `${stale} stale`)}` : `${processes.length - live.length} stopped`, 'processes')}
  ${card('Messages/s', count(Math.round(throughput)), 'all running processes, last report', 'throughput')}
  ${card('Lag', totalLag === undefined ? '?' : count(totalLag), lag.error ? `not read: ${lag.error}` : lagByGroup(lag.value ?? []), 'lag')}
  ${card('Errors, last hour', count(errorsLastHour), html`<a href="/errors">recent errors</a>`, 'errors')}
  ${card('Dead letters', deadLetters === undefined ? '?' : count(deadLetters), deadLetterTopics.size === 0 ? 'no route has deadLetter' : html`<a href="/dead-letters">${deadLetterTopics.size} topic${deadLetterTopics.size === 1 ? '' : 's'}</a>`, 'dead-letters')}
</section>`
  const charts = html`<section class="charts">
  <figure class="chart-card"><figcaption>Messages per second, last hour</figcaption>
    <div class="chart" data-chart="chart-throughput" data-unit="msg/s"></div>
    ${jsonBlock('chart-throughput', { times: series.times, series: [{ label: 'messages/s', values: series.throughput }] })}
  </figure>
  <figure class="chart-card"><figcaption>Lag by consumer group, last hour</figcaption>
    <div class="chart" data-chart="chart-lag" data-unit="messages"></div>
    ${jsonBlock('chart-lag', { times: series.times, series: series.lag.map((l) => ({ label: l.group, values: l.values })) })}
  </figure>
</section>`
  const reportsState = data.follower.states.get(manifest.web.reportsTopic)!
  const body =
    processes.length === 0 && (reportsState.caughtUp || reportsState.missing)
      ? html`${cards}${noPollerYet(ctx)}`
      : html`${cards}${charts}
<section><h2>Processes</h2>${processTable(processes.slice(0, 20))}${processes.length > 20 ? html`<p><a href="/consumers">all ${processes.length} processes</a></p>` : ''}</section>
<section><h2>Recent errors</h2>${errorsLastHour === 0 && data.errors.recent(1).length === 0 ? html`<p class="muted">No handler has failed.</p>` : errorsTable(data.errors.recent(5), ctx, true)}</section>`
  return { title: 'Dashboard', nav: 'dashboard', body, refreshSeconds: 5 }
}

function card(title: string, value: string, note: Html | string, name: string): Html {
  return html`<div class="card" data-card="${name}"><div class="card-title">${title}</div><div class="card-value">${value}</div><div class="card-note">${note}</div></div>`
}

function lagByGroup(rows: PartitionLag[]): string {
  const groups = new Map<string, number>()
  for (const row of rows) groups.set(row.group, (groups.get(row.group) ?? 0) + row.lag)
  return [...groups].map(([group, lag]) => `${group} ${count(lag)}`).join(' · ') || 'no consumer groups'
}

/** The processes, one row each: where, what it runs, its state and how fresh its last report is. */
export function processTable(processes: ProcessView[]): Html {
  return html`<table class="processes">
<thead><tr><th>process</th><th>app</th><th>state</th><th>groups</th><th>partitions</th><th>msg/s</th><th>handler p95</th><th>errors</th><th>last report</th></tr></thead>
<tbody>${processes.map(({ report, status, age }) => {
    const partitions = report.groups.reduce((sum, g) => sum + g.partitions.length, 0)
    return html`<tr data-process="${report.id}" data-status="${status}">
<td><a href="${path('consumers')}#${report.id}">${report.host}:${report.pid}</a></td>
<td>${report.app}</td>
<td>${badge(status)}</td>
<td>${report.groups.map((g) => g.group).join(', ')}</td>
<td>${partitions}</td>
<td>${status === 'running' || status === 'stopping' ? count(report.throughput) : '–'}</td>
<td>${report.latency.handler ? `${report.latency.handler.p95} ms` : '–'}</td>
<td>${count(report.totals.errors)}</td>
<td>${ago(age)}${status === 'stale' ? html` <span class="muted">(expected every ${Math.round(report.intervalMs / 1000)} s)</span>` : ''}</td>
</tr>`
  })}</tbody></table>`
}

function noPollerYet(ctx: PageContext): Html {
  const { web } = ctx.manifest
  return empty(
    'No poller has reported yet',
    web.reporting
      ? html`Start one with <code>npx karafka server</code> (or <code>npx karafka dev</code>): every process reports what it is doing to <code>${web.reportsTopic}</code> every ${Math.round(web.reportIntervalMs / 1000)} s, and shows up here within seconds. Routes, topics and dead letters can be looked at already.`
      : html`Reporting is off in this manifest (<code>web: { reporting: false }</code>): pollers do not report, so no process shows here. Set it to true (the default) and restart them. Routes, topics and dead letters can be looked at already.`,
  )
}
