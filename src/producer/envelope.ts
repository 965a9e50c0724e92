/** The wire format of a value: the seed's envelope, `{"event_name": ..., "payload": ...}`. */
export interface Envelope {
  event_name: string
  payload: unknown
}

/** The header that carries the event name beside the envelope. */
export const EVENT_NAME_HEADER = 'event_name'

export function encodeEnvelope(event: string, payload: unknown): string {
  return JSON.stringify({ event_name: event, payload })
}

/** Parses a value into an envelope; returns the reason when it is not one. */
export function decodeEnvelope(value: Buffer | string): Envelope | { invalid: string } {
  const envelope = parseEnvelope(value)
  return 'invalid' in envelope ? envelope : { event_name: envelope.event_name, payload: envelope.payload }
}

/** {@link decodeEnvelope} without the copy: the parsed object itself, with any other fields it has (the consumer reads only these two). */
export function parseEnvelope(value: Buffer | string): Envelope | { invalid: string } {
  let parsed: unknown
  try {
    parsed = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'))
  } catch (error) {
    return { invalid: `the value is not JSON (${(error as Error).message})` }
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    Array.isArray(parsed) ||
    typeof (parsed as Envelope).event_name !== 'string' ||
    !('payload' in parsed)
  )
    return { invalid: 'the value is not an envelope {"event_name", "payload"}' }
  return parsed as Envelope
}
