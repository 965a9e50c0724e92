import { tracedSend } from '../observability/tracing.js'
import type { Topology } from '../topology.js'
import { EVENT_NAME_HEADER, encodeEnvelope } from './envelope.js'
import { partitionKeyOf } from './partition-key.js'
import type { Delivery, RecordSender } from './sender.js'
import { validatePayload } from './validate.js'

/** A topic's responder at run time: one method per event, plus `tombstone(key)`. */
export type ResponderMethods = Record<string, (payload: never) => Promise<Delivery>>

/**
 * Builds the responders of every topic of `topology` on `sender`. Each method validates
 * the payload (rejecting before anything is sent), derives the key, and sends the envelope
 * with the `event_name` header. Generated code gives the result its precise type.
 */
export function createResponderSet(topology: Topology, sender: RecordSender): Record<string, ResponderMethods> {
  const set: Record<string, ResponderMethods> = {}
  for (const [topic, spec] of Object.entries(topology.topics)) {
    const methods: Record<string, (payload: unknown) => Promise<Delivery>> = {}
    for (const [event, { schema, method }] of Object.entries(spec.events)) {
      methods[method] = async (payload: unknown) => {
        const parsed = validatePayload(schema, payload, topic, event)
        const key = spec.key === undefined ? null : partitionKeyOf(parsed, spec.key, topic)
        const headers = { [EVENT_NAME_HEADER]: event }
        return tracedSend(topic, key, false, headers, () => sender.send(topic, { key, value: encodeEnvelope(event, parsed), headers }))
      }
    }
    methods.tombstone = async (key: unknown) => {
      const headers = {}
      return tracedSend(topic, String(key), true, headers, () => sender.send(topic, { key: String(key), value: null, headers }))
    }
    set[topic] = methods as ResponderMethods
  }
  return set
}
