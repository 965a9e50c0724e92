// The report of a bench run: a Markdown table per figure and one SVG chart of the ratios and
// latencies, both from the results JSON. `tsx bench/report.ts results/<date>.json` rewrites
// the .md and .svg beside a results file.
import { readFileSync, writeFileSync } from 'node:fs'
import { median } from './data.js'
import type { BenchResults } from './run.js'

const n = (value: number | undefined) => (value === undefined ? 'n/a' : value.toLocaleString('en-US'))

/** ` (slowest–fastest)` of a figure's rounds, when the results kept them. */
const spread = (rounds: number[] | undefined) =>
  rounds && rounds.length > 1 ? ` (${n(Math.min(...rounds))}–${n(Math.max(...rounds))})` : ''

/** The median over rounds of one reader's rate over another's in the same round (undefined when the results kept no rounds). */
function pairedRatio(readers: number[] | undefined, others: number[] | undefined): number | undefined {
  if (!readers || !others || readers.length === 0 || readers.length !== others.length) return undefined
  return median(readers.map((rate, round) => rate / others[round]!))
}

/** A reader's CPU time per message as a table cell (n/a for kcat, whose time is not measured, and for older results). */
const cpuCell = (ns: number | undefined) => (ns === undefined ? 'n/a' : `${n(ns)} ns`)

/** The poller against each reader round by round, when the results kept the rounds. */
function pairedLines(t: BenchResults['throughput']): string[] {
  const against = (reader: number[] | undefined) => pairedRatio(t.samples?.poller, reader)?.toFixed(2)
  const [bare, parse, decoding] = [against(t.samples?.bare), against(t.samples?.bareParse), against(t.samples?.bareParseDecoding)]
  if (bare === undefined || parse === undefined) return []
  return [
    `Round by round (the poller's rate over each reader's in the same round, median of the ${t.rounds} rounds; a slow or fast stretch of the machine moves it less than the ratio of the medians above): **${bare}** of bare kafkajs, **${parse}** of the parsing consumer${decoding === undefined ? '' : `, ${decoding} of it with the same record decoding`}.`,
    '',
  ]
}

export function markdownReport(r: BenchResults): string {
  const t = r.throughput
  const lines = [
    `# Benchmarks, ${r.date}${r.quick ? ' (quick run)' : ''}`,
    '',
    `Machine: ${r.machine.cpus} cores, ${r.machine.memoryGb} GB, Node ${r.machine.node}, Apache Kafka ${r.machine.kafka} (the dev broker, on the same machine). Run with \`${r.command}\` in ${Math.round(r.durationSec)} s.`,
    'Every ratio compares two readers or writers measured in the same run, on the same broker and the same data.',
    '',
    `## Consumer throughput: ${n(t.messages)} messages of ${t.valueBytes} B, ${t.partitions} partitions, median of ${t.rounds} rounds`,
    '',
    ...(t.warmUp === undefined
      ? []
      : [
          `Each reader runs alone in a fresh Node process, timed after an untimed warm-up read of ${n(t.warmUp)} messages with a group of its own (kcat: start-up included, no warm-up); in brackets, the slowest and the fastest round.`,
          '',
        ]),
    ...(t.cpuNs === undefined
      ? []
      : [
          "CPU per message: the reader process's CPU time (user + system) over its timed read, divided by the messages read, median of the rounds; it leaves out the time spent waiting for the broker, so it moves less from round to round than the rate does.",
          '',
        ]),
    '| reader | messages/s | against bare kafkajs | CPU per message |',
    '| --- | --- | --- | --- |',
    `| kcat (librdkafka), the ceiling | ${n(t.kcatMsgPerSec)}${spread(t.samples?.kcat)} | ${t.bareToCeiling === undefined ? 'n/a' : (1 / t.bareToCeiling).toFixed(2)} | n/a |`,
    `| bare kafkajs eachBatch, doing nothing | ${n(t.bareMsgPerSec)}${spread(t.samples?.bare)} | 1.00 | ${cpuCell(t.cpuNs?.bare)} |`,
    `| bare kafkajs eachBatch, JSON.parse of each value | ${n(t.bareParseMsgPerSec)}${spread(t.samples?.bareParse)} | ${(t.bareParseMsgPerSec / t.bareMsgPerSec).toFixed(2)} | ${cpuCell(t.cpuNs?.bareParse)} |`,
    ...(t.bareParseDecodingMsgPerSec === undefined
      ? []
      : [
          `| the same, on kafkajs with the poller's record decoding (reference) | ${n(t.bareParseDecodingMsgPerSec)}${spread(t.samples?.bareParseDecoding)} | ${(t.bareParseDecodingMsgPerSec / t.bareMsgPerSec).toFixed(2)} | ${cpuCell(t.cpuNs?.bareParseDecoding)} |`,
        ]),
    ...(t.platformaticMsgPerSec === undefined
      ? []
      : [
          `| @platformatic/kafka consumer stream, doing nothing (reference) | ${n(t.platformaticMsgPerSec)}${spread(t.samples?.platformatic)} | ${(t.platformaticMsgPerSec / t.bareMsgPerSec).toFixed(2)} | ${cpuCell(t.cpuNs?.platformatic)} |`,
          `| @platformatic/kafka consumer stream, JSON.parse of each value (reference) | ${n(t.platformaticParseMsgPerSec)}${spread(t.samples?.platformaticParse)} | ${(t.platformaticParseMsgPerSec! / t.bareMsgPerSec).toFixed(2)} | ${cpuCell(t.cpuNs?.platformaticParse)} |`,
        ]),
    `| karafka poller, empty handler (batch.maxSize ${t.batchMaxSize}) | ${n(t.pollerMsgPerSec)}${spread(t.samples?.poller)} | **${t.ratio.toFixed(2)}** (${t.ratioToParsing.toFixed(2)} of the parsing consumer${t.ratioToParsingSameDecoding === undefined ? '' : `, ${t.ratioToParsingSameDecoding.toFixed(2)} of it with the same record decoding`}) | ${cpuCell(t.cpuNs?.poller)} |`,
    '',
    ...pairedLines(t),
    `## Producer throughput: ${n(r.producer.messages)} messages, windows of ${n(r.producer.window)}, idempotent, acks -1, median of ${r.producer.rounds} rounds`,
    '',
    '| writer | messages/s | ratio |',
    '| --- | --- | --- |',
    `| bare kafkajs producer.send | ${n(r.producer.bareMsgPerSec)} | 1.00 |`,
    `| typed responders (validate, key, envelope) | ${n(r.producer.respondersMsgPerSec)} | **${r.producer.ratio.toFixed(2)}** |`,
    '',
    '## End-to-end latency, produce to handler (ms)',
    '',
    '| rate | path | p50 | p95 | p99 | max | messages measured |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...r.latency.flatMap((l) => [
      `| ${n(l.ratePerSec)}/s for ${l.seconds} s | karafka (responders, poller, local handler) | ${l.karafka.p50Ms} | ${l.karafka.p95Ms} | ${l.karafka.p99Ms} | ${l.karafka.maxMs} | ${n(l.karafka.measured)} |`,
      `| ${n(l.ratePerSec)}/s for ${l.seconds} s | bare kafkajs producer + eachBatch | ${l.bare.p50Ms} | ${l.bare.p95Ms} | ${l.bare.p99Ms} | ${l.bare.maxMs} | ${n(l.bare.measured)} |`,
    ]),
    '',
    '## Peak memory of `karafka server` draining a backlog',
    '',
    '| backlog | RSS at start | peak RSS | peak heap in use | drained at (first handler call to last) |',
    '| --- | --- | --- | --- | --- |',
    ...r.memory.map(
      (m) =>
        `| ${n(m.backlog)} messages | ${m.startRssMb == null ? 'n/a (the drain had begun at the first reading)' : `${m.startRssMb} MB`} | ${m.peakRssMb} MB | ${m.peakHeapMb === undefined ? 'n/a' : `${m.peakHeapMb} MB`} | ${n(m.drainMsgPerSec)} msg/s |`,
    ),
    '',
    `## Lambda path through \`karafka lambda serve\`: ${n(r.lambda.messages)} messages, batch.maxSize ${r.lambda.batchMaxSize}`,
    '',
    '| figure | value |',
    '| --- | --- |',
    `| invocations / messages per invocation | ${r.lambda.invocations} / ${r.lambda.messagesPerInvocation} |`,
    `| median time per invocation, karafka invoker | ${r.lambda.pollerMsPerInvocation} ms |`,
    `| median time per invocation, bare SDK Invoke, same records | ${r.lambda.bareMsPerInvocation} ms |`,
    `| added by the invoker | ${r.lambda.addedMsPerInvocation} ms (ratio ${(r.lambda.bareMsPerInvocation / r.lambda.pollerMsPerInvocation).toFixed(2)}) |`,
    '',
    ...(r.virtualPartitions ?? []).flatMap((v) => [
      `## Virtual partitions, ${v.backend === 'local' ? 'local handler' : 'Lambda through `karafka lambda serve`'}: ${n(v.messages)} messages (keys k0..k999), ${v.partitions} partition${v.partitions === 1 ? '' : 's'}, batch.maxSize ${v.batchMaxSize}, a handler that waits ${v.handlerWaitMs} ms a call`,
      '',
      `| route | messages/s | ${v.backend === 'local' ? 'handler calls' : 'invocations'} in flight per partition, most | calls | against no virtual partitions |`,
      '| --- | --- | --- | --- | --- |',
      `| no virtual partitions | ${n(v.without.msgPerSec)} | ${v.without.mostInFlightPerPartition} | ${n(v.without.calls)} | 1.00 |`,
      `| virtualPartitions: { max: ${v.max} } (balanced, the default) | ${n(v.with.msgPerSec)} | ${v.with.mostInFlightPerPartition} | ${n(v.with.calls)} | **${v.ratio.toFixed(2)}** |`,
      `| virtualPartitions: { max: ${v.max}, distribution: consistent } | ${n(v.consistent.msgPerSec)} | ${v.consistent.mostInFlightPerPartition} | ${n(v.consistent.calls)} | **${v.consistentRatio.toFixed(2)}** |`,
      '',
    ]),
    ...(r.observability
      ? [
          `## What observability costs the poller: ${n(r.observability.messages)} messages, empty handler, median of ${r.observability.rounds} rounds${r.observability.samples ? ' (in brackets, the slowest and the fastest)' : ''}`,
          '',
          '| poller | messages/s | ratio |',
          '| --- | --- | --- |',
          `| nothing attached | ${n(r.observability.plainMsgPerSec)}${spread(r.observability.samples?.plain)} | 1.00 |`,
          ...(r.observability.metricsMsgPerSec === undefined
            ? []
            : [
                `| metrics endpoint alone | ${n(r.observability.metricsMsgPerSec)}${spread(r.observability.samples?.metrics)} | **${r.observability.metricsRatio!.toFixed(2)}** |`,
              ]),
          `| metrics endpoint + OpenTelemetry SDK (batch processor, ${n(r.observability.spans)} spans) | ${n(r.observability.observedMsgPerSec)}${spread(r.observability.samples?.observed)} | **${r.observability.ratio.toFixed(2)}** |`,
          '',
        ]
      : []),
    ...(r.transactions
      ? [
          `## Exactly-once: a route publishing one event per message, with and without \`transactional: true\` (${n(r.transactions.messages)} messages, ${r.transactions.partitions} partitions, offsets committed)`,
          '',
          '| batch.maxSize | plain route, messages/s | transactional route, messages/s | transactions | ratio |',
          '| --- | --- | --- | --- | --- |',
          ...r.transactions.rows.map(
            (row) =>
              `| ${row.batchMaxSize} | ${n(row.plainMsgPerSec)} | ${n(row.transactionalMsgPerSec)} | ${n(row.transactions)} | **${row.ratio.toFixed(2)}** |`,
          ),
          '',
        ]
      : []),
    ...(r.reporting
      ? [
          `## What reporting for karafka web costs the poller: ${n(r.reporting.messages)} messages, empty handler, a report every ${r.reporting.reportIntervalMs} ms, median of ${r.reporting.rounds} rounds${r.reporting.samples ? ' (in brackets, the slowest and the fastest)' : ''}`,
          '',
          '| poller | messages/s | ratio |',
          '| --- | --- | --- |',
          `| web.reporting: false | ${n(r.reporting.offMsgPerSec)}${spread(r.reporting.samples?.off)} | 1.00 |`,
          `| web.reporting: true (the default) | ${n(r.reporting.onMsgPerSec)}${spread(r.reporting.samples?.on)} | **${r.reporting.ratio.toFixed(2)}** |`,
          '',
        ]
      : []),
    '## Codegen (`karafka codegen` in a fresh process, 4 events a topic, median of runs)',
    '',
    '| topics | cold, in the run | cold, wall | nothing changed, in the run | nothing changed, wall | files written cold / unchanged |',
    '| --- | --- | --- | --- | --- | --- |',
    ...r.codegen.map(
      (c) =>
        `| ${c.topics} | ${c.coldMs} ms | ${c.coldWallMs} ms | ${c.unchangedMs} ms | ${c.unchangedWallMs} ms | ${c.written} / ${c.unchangedWritten} |`,
    ),
    '',
  ]
  return lines.join('\n')
}

interface Bar {
  label: string
  value: number
  text: string
  highlight?: boolean
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** One SVG of stacked panels of horizontal bars, each panel scaled to its own largest bar. */
export function svgChart(r: BenchResults): string {
  const t = r.throughput
  const panels: { title: string; bars: Bar[] }[] = [
    {
      title: `Consumer throughput, messages/s (${n(t.messages)} messages)`,
      bars: [
        ...(t.kcatMsgPerSec === undefined ? [] : [{ label: 'kcat (ceiling)', value: t.kcatMsgPerSec, text: n(t.kcatMsgPerSec) }]),
        { label: 'bare kafkajs', value: t.bareMsgPerSec, text: n(t.bareMsgPerSec) },
        { label: 'bare kafkajs + JSON.parse', value: t.bareParseMsgPerSec, text: n(t.bareParseMsgPerSec) },
        {
          label: 'karafka poller',
          value: t.pollerMsgPerSec,
          text: `${n(t.pollerMsgPerSec)} (${t.ratio.toFixed(2)} of bare)`,
          highlight: true,
        },
      ],
    },
    {
      title: 'Producer throughput, messages/s',
      bars: [
        { label: 'bare producer.send', value: r.producer.bareMsgPerSec, text: n(r.producer.bareMsgPerSec) },
        {
          label: 'typed responders',
          value: r.producer.respondersMsgPerSec,
          text: `${n(r.producer.respondersMsgPerSec)} (${r.producer.ratio.toFixed(2)})`,
          highlight: true,
        },
      ],
    },
    ...r.latency.map((l) => ({
      title: `End-to-end latency at ${n(l.ratePerSec)} msg/s, ms (bars: p99; p50 / p95 / p99)`,
      bars: [
        { label: 'bare kafkajs', value: l.bare.p99Ms, text: `${l.bare.p50Ms} / ${l.bare.p95Ms} / ${l.bare.p99Ms}` },
        { label: 'karafka', value: l.karafka.p99Ms, text: `${l.karafka.p50Ms} / ${l.karafka.p95Ms} / ${l.karafka.p99Ms}`, highlight: true },
      ],
    })),
    {
      title: 'Peak RSS of karafka server draining a backlog, MB',
      bars: r.memory.map((m) => ({ label: `${n(m.backlog)} messages`, value: m.peakRssMb, text: `${m.peakRssMb} MB`, highlight: true })),
    },
    {
      title: `Lambda: ms per invocation (${r.lambda.messagesPerInvocation} messages each)`,
      bars: [
        { label: 'bare SDK Invoke', value: r.lambda.bareMsPerInvocation, text: `${r.lambda.bareMsPerInvocation} ms` },
        { label: 'karafka invoker', value: r.lambda.pollerMsPerInvocation, text: `${r.lambda.pollerMsPerInvocation} ms`, highlight: true },
      ],
    },
    ...(r.virtualPartitions ?? []).map((v) => ({
      title: `Virtual partitions (max ${v.max}), ${v.backend}: messages/s with a ${v.handlerWaitMs} ms handler`,
      bars: [
        { label: 'none', value: v.without.msgPerSec, text: n(v.without.msgPerSec) },
        { label: 'balanced (default)', value: v.with.msgPerSec, text: `${n(v.with.msgPerSec)} (${v.ratio.toFixed(2)}x)`, highlight: true },
        {
          label: 'consistent',
          value: v.consistent.msgPerSec,
          text: `${n(v.consistent.msgPerSec)} (${v.consistentRatio.toFixed(2)}x)`,
          highlight: true,
        },
      ],
    })),
    {
      title: 'Codegen, ms in a fresh process (cold / nothing changed)',
      bars: r.codegen.flatMap((c) => [
        { label: `${c.topics} topics, cold`, value: c.coldWallMs, text: `${c.coldWallMs} ms`, highlight: true },
        { label: `${c.topics} topics, unchanged`, value: c.unchangedWallMs, text: `${c.unchangedWallMs} ms` },
      ]),
    },
  ]
  const width = 760
  const labelWidth = 190
  const barArea = 400
  const rowHeight = 22
  let y = 40
  const parts: string[] = [
    `<text x="16" y="24" font-size="16" font-weight="bold">karafka-ts benchmarks, ${r.date}${r.quick ? ' (quick)' : ''}: ${r.machine.cpus} cores, Node ${r.machine.node}, Kafka ${r.machine.kafka}</text>`,
  ]
  for (const panel of panels) {
    parts.push(`<text x="16" y="${y + 14}" font-size="13" font-weight="bold">${escapeXml(panel.title)}</text>`)
    y += 22
    const max = Math.max(...panel.bars.map((b) => b.value), 1)
    for (const bar of panel.bars) {
      const w = Math.max(1, Math.round((bar.value / max) * barArea))
      parts.push(`<text x="${labelWidth - 8}" y="${y + 14}" font-size="12" text-anchor="end">${escapeXml(bar.label)}</text>`)
      parts.push(
        `<rect x="${labelWidth}" y="${y + 3}" width="${w}" height="${rowHeight - 6}" fill="${bar.highlight ? '#c0392b' : '#7f8c8d'}"/>`,
      )
      parts.push(`<text x="${labelWidth + w + 6}" y="${y + 14}" font-size="12">${escapeXml(bar.text)}</text>`)
      y += rowHeight
    }
    y += 12
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 8}" viewBox="0 0 ${width} ${y + 8}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const file of process.argv.slice(2)) {
    const results = JSON.parse(readFileSync(file, 'utf8')) as BenchResults
    writeFileSync(file.replace(/\.json$/, '.md'), markdownReport(results))
    writeFileSync(file.replace(/\.json$/, '.svg'), svgChart(results))
  }
}
