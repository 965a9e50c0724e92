import path from 'node:path'
import { loadManifest, type Manifest, type Route } from '../manifest/index.js'
import { redact } from '../manifest/redact.js'
import type { Command } from './command.js'

/** `karafka info`: the resolved configuration and routes, like Karafka's server banner. */
export const info: Command = {
  words: ['info'],
  summary: 'show the resolved configuration and routes',
  options: { json: { type: 'boolean' } },
  optionHelp: { json: 'print the resolved manifest as JSON' },
  async run({ values, manifestPath }) {
    const manifest = loadManifest(manifestPath)
    const text = values.json ? JSON.stringify(toJson(manifest), null, 2) : banner(manifest)
    process.stdout.write(`${redact(text, manifest.secrets)}\n`)
    return 0
  },
}

function toJson(manifest: Manifest): unknown {
  const { locate: _locate, secrets: _secrets, ...rest } = manifest
  return rest
}

/** The banner: app, brokers, Lambda settings, then each consumer group's routes and each topic. */
export function banner(manifest: Manifest): string {
  const { app, lambda } = manifest
  const relative = (file: string) => path.relative(process.cwd(), file) || file
  const lines = [
    `karafka-ts · ${app.clientId}`,
    `  manifest   ${relative(manifest.file)}`,
    `  brokers    ${app.brokers.join(', ')}${describeSecurity(app)}`,
    `  codegen    ${manifest.codegen.outDir}/`,
    `  shutdown   ${app.shutdownTimeoutMs} ms`,
  ]
  if (lambda) {
    lines.push(
      `  lambda     ${lambda.region}, ${lambda.runtime}, ${lambda.memorySize} MB, ${lambda.timeout} s, alias ${lambda.alias}, role ${lambda.role || '(not set)'}`,
    )
  }
  const { web } = manifest
  lines.push(
    web.reporting
      ? `  web        reports every ${web.reportIntervalMs} ms to ${web.reportsTopic}, handler failures to ${web.errorsTopic}`
      : '  web        reporting off (web.reporting: false)',
  )
  for (const [group, routes] of Object.entries(manifest.consumerGroups)) {
    const isolation = manifest.groupSettings[group]?.isolationLevel === 'read_uncommitted' ? ' (reads read_uncommitted)' : ''
    lines.push('', `Consumer group ${group}${isolation}`)
    for (const route of routes) lines.push(...describeRoute(route, manifest))
  }
  lines.push('', 'Topics')
  for (const topic of Object.values(manifest.topics)) {
    const configs = Object.entries(topic.config).map(([k, v]) => `${k}=${v}`)
    lines.push(
      `  ${topic.name}: ${topic.partitions} partition${topic.partitions === 1 ? '' : 's'}, replication ${topic.replicationFactor}` +
        `${topic.key ? `, key ${topic.key}` : ', no key'}${configs.length ? `, ${configs.join(', ')}` : ''}`,
      `    events: ${Object.keys(topic.events).join(', ') || '(none)'}`,
    )
  }
  return lines.join('\n')
}

function describeRoute(route: Route, manifest: Manifest): string[] {
  const backend = route.backend === 'lambda' ? `lambda ${route.functionName}:${manifest.lambda?.alias}` : 'local'
  const { batch, retry, virtualPartitions: virtual } = route
  const by = virtual?.by === 'key' ? 'the record key' : `payload.${virtual?.by}`
  return [
    `  ${route.topic} -> ${route.handler} (${backend})`,
    ...(route.backend === 'lambda' ? [`    polled by ${describePoller(route, manifest)}`] : []),
    `    batch ${batch.maxSize} messages / ${batch.maxWaitMs} ms, start from ${route.startFrom}`,
    ...(virtual
      ? [
          `    virtual partitions: up to ${virtual.max} ${route.backend === 'lambda' ? 'invocations' : 'handler calls'} per partition at once, by ${by}, ${virtual.distribution}`,
        ]
      : []),
    `    retry ${retry.attempts} attempts, backoff ${retry.backoffMs} ms doubling to ${retry.maxBackoffMs} ms, ` +
      (route.deadLetter ? `then dead letter to ${route.deadLetter}` : 'then keep retrying (no dead-letter topic)'),
    ...(route.transactional
      ? ['    transactional: what the handler publishes commits with the offsets, exactly once for read_committed readers']
      : []),
  ]
}

/** Who polls a lambda route: karafka server, or AWS's event source mapping (as which group, from which cluster). */
function describePoller(route: Route, manifest: Manifest): string {
  if (route.poller !== 'aws' || !route.aws) return 'karafka server, which invokes the function'
  const msk = manifest.lambda?.eventSource?.mskCluster
  const { consumerGroupId, pollers } = route.aws
  return (
    `AWS's event source mapping (karafka server leaves it alone): consumer group ${consumerGroupId}, ` +
    `${pollers.min} to ${pollers.max} provisioned pollers, ${msk ? `Amazon MSK ${msk}` : `self-managed Kafka at ${manifest.app.brokers.join(',')}`}`
  )
}

/** How the app connects: TLS and its files, SASL and its user or token provider (never a secret). */
function describeSecurity({ ssl, sasl }: Manifest['app']): string {
  const parts: string[] = []
  if (ssl) {
    const own = typeof ssl === 'object' ? [ssl.ca && 'own CA', ssl.cert && 'client certificate'].filter(Boolean) : []
    const unverified = typeof ssl === 'object' && !ssl.rejectUnauthorized ? ', certificates NOT verified' : ''
    parts.push(`tls${own.length > 0 ? ` with ${own.join(' and ')}` : ''}${unverified}`)
  }
  if (sasl?.mechanism === 'oauthbearer') parts.push(`sasl oauthbearer, ${sasl.provider}${sasl.region ? ` in ${sasl.region}` : ''}`)
  else if (sasl) parts.push(`sasl ${sasl.mechanism}, user ${sasl.username}`)
  return parts.map((part) => ` (${part})`).join('')
}
