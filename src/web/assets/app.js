// karafka web's one script: draws the charts (uPlot) and reloads pages that ask for it in place.
// The pages work without it; everything they show comes from the server, already escaped.

const palette = ['#d9480f', '#1c7ed6', '#2b8a3e', '#ae3ec9', '#e8890c', '#0c8599', '#c92a2a', '#5f3dc4']

function drawCharts(root) {
  for (const element of root.querySelectorAll('[data-chart]')) {
    const source = document.getElementById(element.dataset.chart)
    if (!source || typeof uPlot === 'undefined') continue
    const { times, series } = JSON.parse(source.textContent)
    element.textContent = ''
    const width = Math.max(280, element.clientWidth)
    const options = {
      width,
      height: 200,
      cursor: { drag: { x: false, y: false } },
      legend: { show: series.length > 1, live: true },
      scales: { x: { time: true }, y: { range: (_u, min, max) => [0, Math.max(1, max * 1.1, min)] } },
      axes: [
        { stroke: '#6b7280', grid: { stroke: '#eef0f3' } },
        { stroke: '#6b7280', grid: { stroke: '#eef0f3' }, size: 60 },
      ],
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          stroke: palette[i % palette.length],
          width: 2,
          fill: series.length === 1 ? `${palette[i % palette.length]}1a` : undefined,
          spanGaps: false,
          points: { show: false },
          value: (_u, v) => (v == null ? '–' : `${Math.round(v).toLocaleString('en-US')} ${element.dataset.unit ?? ''}`),
        })),
      ],
    }
    element.chart = new uPlot(options, [times, ...series.map((s) => s.values)], element)
  }
}

/** Replaces <main> with the same page fetched again, keeping open <details> open. */
async function refresh() {
  const main = document.getElementById('main')
  if (!main || document.hidden) return
  const response = await fetch(location.href, { headers: { accept: 'text/html' }, credentials: 'same-origin' })
  if (!response.ok && response.status !== 404) return
  const next = new DOMParser().parseFromString(await response.text(), 'text/html')
  const fresh = next.getElementById('main')
  if (!fresh) return
  for (const open of main.querySelectorAll('details[open][data-key]')) {
    fresh.querySelector(`details[data-key="${CSS.escape(open.dataset.key)}"]`)?.setAttribute('open', '')
  }
  const scroll = window.scrollY
  main.replaceWith(fresh)
  for (const banner of document.querySelectorAll('body > .banner')) banner.remove()
  for (const banner of next.querySelectorAll('body > .banner')) fresh.before(banner)
  const footer = next.querySelector('footer')
  if (footer) document.querySelector('footer')?.replaceWith(footer)
  drawCharts(fresh)
  window.scrollTo(0, scroll)
}

function start() {
  drawCharts(document)
  const seconds = Number(document.getElementById('main')?.dataset.refresh)
  if (seconds > 0) {
    const tick = () =>
      refresh()
        .catch(() => {})
        .finally(() => setTimeout(tick, seconds * 1000))
    setTimeout(tick, seconds * 1000)
  }
  let resizing
  window.addEventListener('resize', () => {
    clearTimeout(resizing)
    resizing = setTimeout(() => drawCharts(document), 150)
  })
}

document.addEventListener('DOMContentLoaded', start)
