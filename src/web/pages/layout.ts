import { type Html, html } from '../http/html.js'
import { NAV, type Page, type PageContext } from './page.js'

/** The document around a page: the bar with the app and the navigation, the cluster's banners, the page, the footer. */
export function layout(ctx: PageContext, page: Page): Html {
  const { manifest } = ctx
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title} · ${manifest.app.clientId} · karafka web</title>
<link rel="stylesheet" href="/assets/uplot.css">
<link rel="stylesheet" href="/assets/app.css">
<link rel="icon" href="data:,">
<script src="/assets/uplot.js" defer></script>
<script src="/assets/app.js" defer></script>
</head>
<body>
<header class="bar">
  <a class="brand" href="/"><span class="mark">k</span>karafka web</a>
  <span class="app" title="${manifest.app.brokers.join(', ')}">${manifest.app.clientId} <small>${manifest.app.brokers[0]}${manifest.app.brokers.length > 1 ? ` +${manifest.app.brokers.length - 1}` : ''}</small></span>
  <nav>${NAV.map(([key, href, label]) => html`<a href="${href}"${key === page.nav ? html` aria-current="page"` : ''}>${label}</a>`)}</nav>
</header>
${banners(ctx)}
<main id="main" data-refresh="${page.refreshSeconds ?? ''}">
<h1>${page.title}</h1>
${page.body}
</main>
<footer>karafka-ts ${ctx.version} · read at ${new Date(ctx.now).toISOString().slice(11, 19)} UTC${page.refreshSeconds ? ` · refreshes every ${page.refreshSeconds} s` : ''}</footer>
</body>
</html>
`
}

/** What the UI cannot show right now, and what to do. */
function banners(ctx: PageContext): Html {
  const { manifest, data } = ctx
  const { reportsTopic } = manifest.web
  const reports = data.follower.states.get(reportsTopic)!
  const notes: Html[] = []
  if (reports.error)
    notes.push(
      html`<div class="banner error" role="alert"><strong>Cannot read the cluster</strong> at ${manifest.app.brokers.join(', ')}: ${reports.error}. What is shown was read before; it is tried again by itself.</div>`,
    )
  else if (reports.missing)
    notes.push(
      html`<div class="banner warn" role="status">The reports topic <code>${reportsTopic}</code> does not exist, so no poller can report. Create it with <code>karafka topics migrate</code> (or <code>karafka dev</code>)${manifest.web.reporting ? '' : html`, and turn reporting on: <code>web: { reporting: true }</code> in karafka.yml`}.</div>`,
    )
  else if (!reports.caughtUp && Date.now() - data.startedAt > 1_000)
    notes.push(html`<div class="banner info" role="status">Reading the reports of ${reportsTopic}…</div>`)
  return html`${notes}`
}
