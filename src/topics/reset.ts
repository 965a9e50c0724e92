import type { Kafka } from 'kafkajs'
import { KarafkaError } from '../errors/index.js'
import { withAdmin } from '../kafka/admin.js'

export type ResetTarget = 'earliest' | 'latest' | Date

export interface PartitionMove {
  partition: number
  from: string
  to: string
}

/**
 * Moves a stopped group's committed offsets on a topic to the earliest or latest offset, or
 * to the first message at or after a time.
 * @throws KarafkaError (runtime, exit 1) while the group has active members.
 */
export async function resetOffsets(kafka: Kafka, group: string, topic: string, to: ResetTarget): Promise<PartitionMove[]> {
  return withAdmin(kafka, async (admin) => {
    const { groups } = await admin.describeGroups([group])
    const members = groups[0]?.members.length ?? 0
    if (members > 0) {
      throw new KarafkaError(
        'GROUP_ACTIVE',
        `consumer group ${group} has ${members} active member${members === 1 ? '' : 's'} (state ${groups[0]?.state}): its offsets cannot be moved while it runs`,
        {
          hint: `stop every karafka server of group ${group}, then run the reset again`,
        },
      )
    }
    const [before] = await admin.fetchOffsets({ groupId: group, topics: [topic] })
    const targets =
      to instanceof Date
        ? await admin.fetchTopicOffsetsByTimestamp(topic, to.getTime())
        : (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: to === 'earliest' ? p.low : p.high }))
    await admin.setOffsets({ groupId: group, topic, partitions: targets.map((t) => ({ partition: t.partition, offset: t.offset })) })
    return targets
      .map((t) => ({
        partition: t.partition,
        from: before?.partitions.find((p) => p.partition === t.partition)?.offset ?? '-1',
        to: t.offset,
      }))
      .sort((a, b) => a.partition - b.partition)
  })
}
