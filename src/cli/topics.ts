import { ArgumentsError, KarafkaError } from '../errors/index.js'
import { withAdmin } from '../kafka/admin.js'
import { createKafka } from '../kafka/client.js'
import { TOPIC_RESOURCE } from '../kafka/config-types.js'
import { loadManifest, type Manifest } from '../manifest/index.js'
import { desiredTopics } from '../topics/desired.js'
import { applyPlan, planMigration } from '../topics/migrate.js'
import { describeStep, type TopicPlan } from '../topics/plan.js'
import { type ResetTarget, resetOffsets } from '../topics/reset.js'
import type { Command } from './command.js'
import { table } from './table.js'

const out = (text: string) => process.stdout.write(`${text}\n`)

function printPlan(plan: TopicPlan): void {
  if (plan.steps.length > 0) out(table(['topic', 'action', 'details'], plan.steps.map(describeStep)))
  else if (plan.refusals.length === 0) out('The cluster matches the manifest: nothing to do.')
}

/** Refusals are errors of the manifest against the cluster: exit 2, nothing applied. */
function refuse(manifest: Manifest, plan: TopicPlan): never {
  const lines = plan.refusals.map((r) => {
    const at = manifest.topics[r.topic] ? manifest.locate(['topics', r.topic], 'key') : undefined
    return `${at ? `${manifest.file}:${at.line}:${at.col} ` : ''}topics.${r.topic}: ${r.reason}\n  hint: ${r.hint}`
  })
  throw new ArgumentsError(`${lines.join('\n')}\nrefused: nothing was changed`)
}

/** Migrates the cluster to the manifest, printing what it did; refuses (exit 2) what Kafka cannot do. */
export async function migrateOrRefuse(manifest: Manifest): Promise<TopicPlan> {
  const kafka = createKafka(manifest.app, '-admin')
  const plan = await planMigration(kafka, manifest)
  if (plan.refusals.length > 0) refuse(manifest, plan)
  await applyPlan(kafka, plan, (step) => out(`topics: ${describeStep(step).join(' ')}`))
  return plan
}

/** `topics plan --detailed-exitcode` exits with this when there are changes to apply (Terraform's 2 means a bad manifest here). */
export const CHANGES_PENDING_EXIT = 3

export const topicsPlan: Command = {
  words: ['topics', 'plan'],
  summary: 'show how the cluster differs from the manifest (exit 2 when the manifest asks what Kafka cannot do)',
  args: '[--detailed-exitcode]',
  options: { 'detailed-exitcode': { type: 'boolean' } },
  optionHelp: { 'detailed-exitcode': `exit ${CHANGES_PENDING_EXIT} when there are changes to apply (0 when none), for CI` },
  async run({ values, manifestPath }) {
    const manifest = loadManifest(manifestPath)
    const plan = await planMigration(createKafka(manifest.app, '-admin'), manifest)
    printPlan(plan)
    if (plan.refusals.length > 0) refuse(manifest, plan)
    return values['detailed-exitcode'] === true && plan.steps.length > 0 ? CHANGES_PENDING_EXIT : 0
  },
}

export const topicsMigrate: Command = {
  words: ['topics', 'migrate'],
  summary: 'create topics (dead-letter topics too), add partitions and align configs to match the manifest',
  async run({ manifestPath }) {
    const manifest = loadManifest(manifestPath)
    const kafka = createKafka(manifest.app, '-admin')
    const plan = await planMigration(kafka, manifest)
    if (plan.refusals.length > 0) {
      printPlan(plan)
      refuse(manifest, plan)
    }
    if (plan.steps.length === 0) {
      out('The cluster matches the manifest: nothing to do.')
      return 0
    }
    await applyPlan(kafka, plan, (step) => out(`done: ${describeStep(step).join(' ')}`))
    const after = await planMigration(kafka, manifest)
    if (after.steps.length > 0 || after.refusals.length > 0) {
      throw new KarafkaError(
        'MIGRATION_INCOMPLETE',
        `the cluster still differs from the manifest after migrating:\n${after.steps.map((s) => describeStep(s).join(' ')).join('\n')}`,
      )
    }
    out('The cluster matches the manifest now.')
    return 0
  },
}

export const topicsList: Command = {
  words: ['topics', 'list'],
  summary: 'list topics, partitions, replication and the configs that differ from broker defaults',
  async run({ manifestPath }) {
    const manifest = loadManifest(manifestPath)
    const declared = desiredTopics(manifest)
    const rows = await withAdmin(createKafka(manifest.app, '-admin'), async (admin) => {
      const names = (await admin.listTopics()).filter((t) => !t.startsWith('__')).sort()
      if (names.length === 0) return []
      const metadata = await admin.fetchTopicMetadata({ topics: names })
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: names.map((name) => ({ type: TOPIC_RESOURCE, name })),
      })
      return names.map((name) => {
        const topic = metadata.topics.find((t) => t.name === name)
        const set = (configs.resources.find((r) => r.resourceName === name)?.configEntries ?? []).filter(
          (e) => (e as { configSource?: number }).configSource === 1,
        )
        return [
          name,
          String(topic?.partitions.length ?? 0),
          String(topic?.partitions[0]?.replicas.length ?? 0),
          declared.has(name) ? 'yes' : 'no',
          set.map((e) => `${e.configName}=${e.configValue}`).join(', '),
        ]
      })
    })
    out(
      rows.length
        ? table(['topic', 'partitions', 'replication', 'in manifest', 'configs (not broker defaults)'], rows)
        : 'The cluster has no topics.',
    )
    return 0
  },
}

export const topicsReset: Command = {
  words: ['topics', 'reset'],
  summary: "replay: move a stopped group's offsets on a topic",
  args: '<group> <topic> --to earliest|latest|<ISO time>',
  options: { to: { type: 'string' } },
  optionHelp: { to: 'earliest, latest, or an ISO-8601 time: the first message at or after it' },
  async run({ positionals, values, manifestPath }) {
    const [group, topic] = positionals
    if (!group || !topic || positionals.length > 2)
      throw new ArgumentsError('expected <group> <topic>', 'karafka topics reset example users --to earliest')
    const to = parseTarget(values.to)
    const manifest = loadManifest(manifestPath)
    const moves = await resetOffsets(createKafka(manifest.app, '-admin'), group, topic, to)
    out(
      table(
        ['partition', 'from', 'to'],
        moves.map((m) => [String(m.partition), m.from === '-1' ? '(none)' : m.from, m.to]),
      ),
    )
    out(`group ${group} will read ${topic} from ${to instanceof Date ? to.toISOString() : to} when it starts`)
    return 0
  },
}

function parseTarget(value: unknown): ResetTarget {
  if (value === 'earliest' || value === 'latest') return value
  if (typeof value === 'string' && /^\d{4}-\d\d-\d\d/.test(value) && !Number.isNaN(Date.parse(value))) return new Date(value)
  throw new ArgumentsError(
    `--to ${value === undefined ? 'is required' : `${String(value)} is not earliest, latest or an ISO time`}`,
    'for example --to earliest, or --to 2026-11-24T10:00:00Z',
  )
}
