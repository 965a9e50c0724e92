import { DEAD_LETTER_HEADERS } from '../../consumer/dead-letter.js'
import type { ReadRecord } from '../../kafka/reader.js'
import { headerText, originalRecord } from '../data/republish.js'
import { html } from '../http/html.js'
import { count, empty, path, preview, time } from './format.js'
import type { Page, PageContext } from './page.js'
import { recordView } from './records.js'

const ADDED = new Set<string>(DEAD_LETTER_HEADERS)
const PAGE = 50

/** The dead-letter topics of the manifest's routes, with how many records each holds. */
export async function deadLettersPage(ctx: PageContext): Promise<Page> {
  const { manifest, data } = ctx
  const topics = [...new Set(manifest.routes.flatMap((r) => (r.deadLetter ? [r.deadLetter] : [])))].sort()
  const overview = await data.topics()
  const body =
    topics.length === 0
      ? empty(
          'No dead-letter topics',
          html`No route sets <code>deadLetter</code>, so a message that keeps failing is retried until it succeeds. Add <code>deadLetter: orders.dlq</code> to a route and run <code>karafka topics migrate</code>.`,
        )
      : html`<table class="dead-letter-topics"><thead><tr><th>topic</th><th>from routes</th><th>records</th></tr></thead><tbody>${topics.map(
          (topic) => {
            const known = overview.value?.find((t) => t.name === topic)
            const routes = manifest.routes.filter((r) => r.deadLetter === topic)
            return html`<tr data-topic="${topic}"><td><a href="${path('dead-letters', topic)}">${topic}</a></td><td>${routes.map((r) => `${r.group}/${r.topic}`).join(', ')}</td><td>${
              known ? count(known.messages) : overview.error ? '?' : html`<span class="muted">not created: karafka topics migrate</span>`
            }</td></tr>`
          },
        )}</tbody></table>${overview.error ? html`<p class="banner warn">Counts not read: ${overview.error}</p>` : ''}`
  return { title: 'Dead letters', nav: 'dead-letters', body }
}

/** One dead-letter topic's newest records with where they came from and why they failed. */
export async function deadLetterTopicPage(ctx: PageContext, topic: string): Promise<Page> {
  const { data, manifest, now } = ctx
  if (!manifest.routes.some((r) => r.deadLetter === topic)) return notADeadLetterTopic(topic)
  const detail = await data.topic(topic)
  if (!detail)
    return {
      title: topic,
      nav: 'dead-letters',
      status: 404,
      body: empty('Not created yet', html`<code>karafka topics migrate</code> creates it.`),
    }
  const records = await data.newest(topic, PAGE)
  const body =
    records.length === 0
      ? empty(
          'No dead letters',
          'Nothing has been dead-lettered here. A message lands here after its retry attempts, or at once when it is invalid.',
        )
      : html`<p class="muted">${count(detail.messages)} record${detail.messages === 1 ? '' : 's'}; the newest ${records.length} shown.</p>
<table class="dead-letters"><thead><tr><th>time</th><th>record</th><th>source</th><th>group</th><th>error</th><th>attempts</th><th>key</th><th>value</th></tr></thead>
<tbody>${records.map(
          (r) => html`<tr data-offset="${r.partition}/${r.offset}">
<td>${time(r.timestamp, now)}</td>
<td><a href="${path('dead-letters', topic, r.partition, r.offset)}">${r.partition}/${r.offset}</a></td>
<td>${headerText(r, 'source_topic') ?? '?'}/${headerText(r, 'source_partition') ?? '?'}@${headerText(r, 'source_offset') ?? '?'}</td>
<td>${headerText(r, 'source_consumer_group') ?? '–'}</td>
<td><strong>${headerText(r, 'error_class') ?? ''}</strong>: ${headerText(r, 'error_message') ?? ''}</td>
<td>${headerText(r, 'attempts') ?? '–'}</td>
<td><code>${r.key === null ? 'null' : r.key.toString('utf8')}</code></td>
<td><code class="preview">${preview(r.value)}</code></td>
</tr>`,
        )}</tbody></table>`
  return { title: `Dead letters: ${topic}`, nav: 'dead-letters', body, refreshSeconds: 10 }
}

/** One dead letter in full, with the way to republish it; `confirm` shows what republishing would produce and asks first. */
export async function deadLetterPage(ctx: PageContext, topic: string, partition: number, offset: bigint, confirm: boolean): Promise<Page> {
  const { data, manifest, now, url, token } = ctx
  if (!manifest.routes.some((r) => r.deadLetter === topic)) return notADeadLetterTopic(topic)
  const record = await data.record(topic, partition, offset)
  const title = `Dead letter ${topic} ${partition}/${offset}`
  if (!record)
    return { title, nav: 'dead-letters', status: 404, body: empty('No such record', 'The partition does not hold this offset (any more).') }
  const original = originalRecord(record, topic, manifest)
  const republished = url.searchParams.get('republished')
  const notice = republished
    ? html`<p class="banner ok" role="status">Republished to ${'topic' in original ? original.topic : '?'} as ${republished}.</p>`
    : ''
  const back = path('dead-letters', topic, partition, offset)
  const action =
    'refused' in original
      ? html`<p class="banner warn">${original.refused}</p>`
      : confirm
        ? html`<section class="confirm"><h2>Republish to ${original.topic}?</h2>
<p>This produces the original record to <strong>${original.topic}</strong> again: key <code>${record.key === null ? 'null' : record.key.toString('utf8')}</code>, the same value, and ${Object.keys(original.record.headers ?? {}).length} header(s) without the dead-letter ones (${DEAD_LETTER_HEADERS.join(', ')}). The consumer group handles it as a new message; this dead letter stays where it is.</p>
<form method="post" action="${back}/republish"><input type="hidden" name="token" value="${token}"><button type="submit" class="danger">Republish to ${original.topic}</button> <a href="${back}">Cancel</a></form></section>`
        : html`<p><a class="button" href="${back}/republish">Republish to ${original.topic}…</a></p>`
  return {
    title,
    nav: 'dead-letters',
    body: html`${notice}<p><a href="${path('dead-letters', topic)}">← ${topic}</a></p>${failure(record)}${action}<h2>Record</h2>${recordView(record, now, ADDED)}`,
  }
}

/** Why and where from, in one line: what the dead-letter headers say. */
function failure(record: ReadRecord) {
  const attempts = headerText(record, 'attempts')
  const source = `${headerText(record, 'source_topic') ?? '?'}/${headerText(record, 'source_partition') ?? '?'} at offset ${headerText(record, 'source_offset') ?? '?'}`
  return html`<p class="failure"><strong>${headerText(record, 'error_class') ?? 'Error'}</strong>: ${headerText(record, 'error_message') ?? ''}<br><span class="muted">${
    attempts === '0' ? 'invalid, not retried' : `after ${attempts ?? '?'} attempt${attempts === '1' ? '' : 's'}`
  }, from ${source}, consumer group ${headerText(record, 'source_consumer_group') ?? '?'}</span></p>`
}

function notADeadLetterTopic(topic: string): Page {
  return {
    title: topic,
    nav: 'dead-letters',
    status: 404,
    body: empty(
      'Not a dead-letter topic',
      html`No route of the manifest dead-letters to <code>${topic}</code>. Its records are under <a href="${path('topics', topic)}">Topics</a>.`,
    ),
  }
}
