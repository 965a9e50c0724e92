import { ArgumentsError } from '../errors/index.js'
import { loadManifest } from '../manifest/index.js'
import { EVENT_NAME_HEADER, encodeEnvelope } from '../producer/envelope.js'
import { partitionKeyOf } from '../producer/partition-key.js'
import { createProducerRuntime } from '../producer/producer-runtime.js'
import type { OutgoingRecord } from '../producer/sender.js'
import { validatePayload } from '../producer/validate.js'
import { loadTopology } from '../server/load-topology.js'
import type { Command } from './command.js'

/** `karafka produce`: the seed's console call, through the same validation as the typed responders. */
export const produce: Command = {
  words: ['produce'],
  summary: 'send one event through the typed responder (or a tombstone)',
  args: '<topic> <event> <json> | <topic> --tombstone <key>',
  options: { key: { type: 'string' }, tombstone: { type: 'string' } },
  optionHelp: {
    key: 'the message key (default: derived from the payload by the topic key)',
    tombstone: 'send a tombstone (null value) for this key instead',
  },
  async run({ positionals, values, manifestPath }) {
    const manifest = loadManifest(manifestPath)
    const [topic, event, json] = positionals
    if (!topic) throw new ArgumentsError('expected <topic> <event> <json>', `karafka produce users user_created '{"id":1,"email":"a@b.c"}'`)
    const spec = manifest.topics[topic]
    if (!spec) throw new ArgumentsError(`topic "${topic}" is not in the manifest`, `declared: ${Object.keys(manifest.topics).join(', ')}`)
    let record: OutgoingRecord
    if (typeof values.tombstone === 'string') {
      if (event !== undefined)
        throw new ArgumentsError('a tombstone takes no event or payload', `karafka produce ${topic} --tombstone <key>`)
      record = { key: values.tombstone, value: null }
    } else {
      if (!event || json === undefined || positionals.length > 3)
        throw new ArgumentsError(
          'expected <topic> <event> <json>',
          `karafka produce ${topic} ${Object.keys(spec.events)[0] ?? '<event>'} '{...}'`,
        )
      const schema = (await loadTopology(manifest)).topics[topic]?.events[event]?.schema
      if (!schema)
        throw new ArgumentsError(`topic "${topic}" has no event "${event}"`, `its events: ${Object.keys(spec.events).join(', ')}`)
      let payload: unknown
      try {
        payload = JSON.parse(json)
      } catch (error) {
        throw new ArgumentsError(`the payload is not JSON: ${(error as Error).message}`, `quote it for the shell: '{"id":1}'`)
      }
      const parsed = validatePayload(schema, payload, topic, event)
      const key = typeof values.key === 'string' ? values.key : spec.key === undefined ? null : partitionKeyOf(parsed, spec.key, topic)
      record = { key, value: encodeEnvelope(event, parsed), headers: { [EVENT_NAME_HEADER]: event } }
    }
    const runtime = createProducerRuntime(() => manifest.app, { topics: manifest.topics })
    try {
      const delivery = await runtime.sender.send(topic, record)
      process.stdout.write(
        `sent ${event ?? 'tombstone'} to ${delivery.topic}/${delivery.partition}@${delivery.offset} (key ${record.key ?? 'none'})\n`,
      )
    } finally {
      await runtime.close()
    }
    return 0
  },
}
