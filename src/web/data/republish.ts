import { DEAD_LETTER_HEADERS } from '../../consumer/dead-letter.js'
import type { ReadRecord } from '../../kafka/reader.js'
import type { Manifest } from '../../manifest/types.js'
import type { OutgoingRecord } from '../../producer/sender.js'

const ADDED = new Set<string>(DEAD_LETTER_HEADERS)

/** The header's value, as text (the last one, when the name repeats). */
export function headerText(record: Pick<ReadRecord, 'headers'>, name: string): string | undefined {
  return record.headers.findLast(([n]) => n === name)?.[1].toString('utf8')
}

/**
 * The original record of a dead letter, to produce again to its source topic: the same key,
 * value and headers, without the headers the dead-letter topic added. Refused unless the
 * manifest has a route from that source topic dead-lettering into `deadLetterTopic`, so that a
 * record's headers cannot send it anywhere else.
 */
export function originalRecord(
  record: ReadRecord,
  deadLetterTopic: string,
  manifest: Pick<Manifest, 'routes'>,
): { topic: string; record: OutgoingRecord } | { refused: string } {
  const source = headerText(record, 'source_topic')
  if (source === undefined)
    return {
      refused: `${deadLetterTopic}/${record.partition}@${record.offset} has no source_topic header: it is not a dead letter of karafka-ts`,
    }
  if (!manifest.routes.some((r) => r.topic === source && r.deadLetter === deadLetterTopic))
    return { refused: `no route of the manifest consumes "${source}" with deadLetter ${deadLetterTopic}: it is not republished there` }
  const headers: Record<string, Buffer> = {}
  for (const [name, value] of record.headers) if (!ADDED.has(name)) headers[name] = value
  return { topic: source, record: { key: record.key, value: record.value, headers } }
}
