import type { PartitionLag } from '../../topics/lag.js'
import type { ProcessView } from '../data/reports-store.js'
import { type Html, html } from '../http/html.js'
import type { Latency, PartitionReport } from '../report.js'
import { ago, badge, count, empty, span, time } from './format.js'
import type { Page, PageContext } from './page.js'

/** Every process and its partitions: what each is doing, and its lag as the broker tells it. */
export async function consumersPage(ctx: PageContext): Promise<Page> {
  const { data, now, manifest } = ctx
  const processes = data.reports.processes(now)
  const lag = await data.lagRows()
  const lagOf = new Map((lag.value ?? []).map((row) => [`${row.group}\u0000${row.topic}\u0000${row.partition}`, row]))
  const current = processes.filter((p) => p.status !== 'stopped')
  const stopped = processes.filter((p) => p.status === 'stopped')
  const covered = new Set(current.filter((p) => p.status !== 'stale').flatMap((p) => p.report.groups.map((g) => g.group)))
  const idleGroups = Object.keys(manifest.consumerGroups).filter((group) => !covered.has(group))
  const body = html`
${lag.error ? html`<p class="banner warn">The lag could not be read (${lag.error}); the pollers' own figures are shown.</p>` : ''}
${processes.length === 0 ? empty('No process has reported', html`Start a poller with <code>npx karafka server</code>: it appears here with its partitions within seconds.`) : ''}
${current.map((p) => processCard(p, ctx, lagOf))}
${idleGroups.length > 0 ? html`<section><h2>Groups no running process reports</h2>${idleGroups.map((group) => groupLag(group, lag.value ?? []))}</section>` : ''}
${stopped.length > 0 ? html`<details class="stopped" data-key="stopped"><summary>${stopped.length} stopped process${stopped.length === 1 ? '' : 'es'}</summary>${stopped.map((p) => processCard(p, ctx, lagOf))}</details>` : ''}`
  return { title: 'Consumers', nav: 'consumers', body, refreshSeconds: 3 }
}

function processCard(view: ProcessView, ctx: PageContext, lagOf: Map<string, PartitionLag>): Html {
  const { report, status, age } = view
  const { now } = ctx
  const lastWord =
    status === 'stale'
      ? html`${badge('stale')} no report for ${span(age)} (it reports every ${span(report.intervalMs)}): the process may be gone; this is its last report`
      : status === 'stopped'
        ? html`${badge('stopped')} stopped ${ago(age)}`
        : html`${badge(status)} reported ${ago(age)}`
  return html`<section class="process" id="${report.id}" data-process="${report.id}" data-status="${status}">
<header><h2>${report.host}:${report.pid}</h2><div>${lastWord}</div></header>
<dl class="facts">
  <div><dt>app</dt><dd>${report.app}</dd></div>
  <div><dt>karafka-ts</dt><dd>${report.version} on Node ${report.node}</dd></div>
  <div><dt>started</dt><dd>${time(report.startedAt, now)}</dd></div>
  <div><dt>memory</dt><dd>${Math.round(report.rssBytes / 1_048_576)} MB</dd></div>
  <div><dt>messages/s</dt><dd>${count(report.throughput)}</dd></div>
  <div><dt>consumed</dt><dd>${count(report.totals.consumed)} in ${count(report.totals.batches)} calls</dd></div>
  <div><dt>handler</dt><dd>${latency(report.latency.handler)}</dd></div>
  <div><dt>Lambda</dt><dd>${latency(report.latency.lambda)}</dd></div>
  <div><dt>failures</dt><dd>${count(report.totals.failures)} failed calls, ${count(report.totals.retries)} retries, ${count(report.totals.deadLetters)} dead letters</dd></div>
</dl>
${report.lastError ? html`<p class="last-error">Last error ${ago(now - report.lastError.at)}${report.lastError.topic ? ` on ${report.lastError.topic}/${report.lastError.partition}` : ''}: ${report.lastError.message}</p>` : ''}
${report.groups.map(
  (group) => html`<h3>${group.group} ${badge(group.state)}</h3>
${
  group.partitions.length === 0
    ? html`<p class="muted">${status === 'stopped' ? 'Stopped: no partitions.' : 'No partitions assigned.'}</p>`
    : html`<table class="partitions"><thead><tr><th>partition</th><th>state</th><th>consumed here</th><th>last offset</th><th>committed</th><th>end</th><th>lag</th></tr></thead>
<tbody>${group.partitions.map((p) => partitionRow(group.group, p, lagOf, now))}</tbody></table>`
}`,
)}
</section>`
}

function partitionRow(group: string, p: PartitionReport, lagOf: Map<string, PartitionLag>, now: number): Html {
  const row = lagOf.get(`${group}\u0000${p.topic}\u0000${p.partition}`)
  const lag = row?.lag ?? p.lag
  return html`<tr data-partition="${p.topic}/${p.partition}" data-state="${p.state}">
<td>${p.topic}/${p.partition}</td>
<td>${partitionState(p, now)}</td>
<td>${count(p.consumed)}</td>
<td>${p.lastOffset ?? '–'}</td>
<td>${row ? (row.committed === '-1' ? 'none' : row.committed) : '–'}</td>
<td>${row?.end ?? '–'}</td>
<td class="lag" data-lag="${lag ?? ''}">${lag === undefined ? '–' : count(lag)}</td>
</tr>`
}

/** What a partition is doing, in words. */
export function partitionState(p: PartitionReport, now: number): Html {
  switch (p.state) {
    case 'processing':
      return html`${badge('processing')} since ${p.since === undefined ? '?' : span(now - p.since)}`
    case 'paused':
      return html`${badge('paused')} retrying offset ${p.offset} (attempt ${p.attempt ?? '?'} failed) ${p.until !== undefined && p.until > now ? `in ${span(p.until - now)}` : 'now'}${p.reason ? html`<div class="reason">${p.reason}</div>` : ''}`
    case 'stopped':
      return html`${badge('stopped')} at invalid offset ${p.offset}${p.reason ? html`<div class="reason">${p.reason}</div>` : ''}`
    default:
      return badge('idle')
  }
}

function latency(value: Latency | null): string {
  return value ? `p50 ${value.p50} ms, p95 ${value.p95} ms, max ${value.max} ms (${count(value.count)} calls)` : '–'
}

function groupLag(group: string, rows: PartitionLag[]): Html {
  const mine = rows.filter((r) => r.group === group)
  const total = mine.reduce((sum, r) => sum + r.lag, 0)
  return html`<div class="group-lag" data-group="${group}"><h3>${group}</h3><p>Lag ${count(total)} over ${mine.length} partition${mine.length === 1 ? '' : 's'}. Start it with <code>npx karafka server --group ${group}</code>.</p></div>`
}
