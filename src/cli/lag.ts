import { ArgumentsError } from '../errors/index.js'
import { createKafka } from '../kafka/client.js'
import { loadManifest } from '../manifest/index.js'
import { readLag } from '../topics/lag.js'
import type { Command } from './command.js'
import { table } from './table.js'

export const lag: Command = {
  words: ['lag'],
  summary: 'committed offset, end offset and lag per partition',
  args: '[--group g] [--json]',
  options: { group: { type: 'string', multiple: true }, json: { type: 'boolean' } },
  optionHelp: { group: 'only this consumer group (repeatable)', json: 'print JSON' },
  async run({ values, manifestPath }) {
    const manifest = loadManifest(manifestPath)
    const only = (values.group as string[] | undefined) ?? []
    const unknown = only.filter((g) => !(g in manifest.consumerGroups))
    if (unknown.length > 0)
      throw new ArgumentsError(
        `unknown consumer group ${unknown.join(', ')}`,
        `the manifest has: ${Object.keys(manifest.consumerGroups).join(', ')}`,
      )
    const groups = Object.fromEntries(
      Object.entries(manifest.consumerGroups)
        .filter(([group]) => only.length === 0 || only.includes(group))
        .map(([group, routes]) => [group, routes.map((r) => r.topic)]),
    )
    const rows = await readLag(createKafka(manifest.app, '-admin'), groups)
    if (values.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`)
    else
      process.stdout.write(
        `${table(
          ['group', 'topic', 'partition', 'committed', 'end', 'lag'],
          rows.map((r) => [r.group, r.topic, String(r.partition), r.committed === '-1' ? '(none)' : r.committed, r.end, String(r.lag)]),
        )}\n`,
      )
    return 0
  },
}
