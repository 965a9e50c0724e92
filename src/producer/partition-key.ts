import { KarafkaError } from '../errors/index.js'

/**
 * The message key of a payload: `String(payload[keyPath])`, following a dot path.
 * @throws KarafkaError EVENT_INVALID when the path does not lead to a string or number.
 */
export function partitionKeyOf(payload: unknown, keyPath: string, topic: string): string {
  let value: unknown = payload
  for (const segment of keyPath.split('.')) {
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[segment] : undefined
  }
  if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) return String(value)
  throw new KarafkaError(
    'EVENT_INVALID',
    `the partition key "${keyPath}" of a ${topic} event is ${value === undefined ? 'missing' : `not a string or number (${JSON.stringify(value)})`}`,
    {
      topic,
      hint: `every event of ${topic} needs "${keyPath}" so that events of one key stay in order`,
    },
  )
}
