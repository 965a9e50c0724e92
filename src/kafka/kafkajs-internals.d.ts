// kafkajs internals that karafka-ts patches (see request-queue-fix.ts); kafkajs ships no types for them.
declare module 'kafkajs/src/network/requestQueue/index.js' {
  const RequestQueue: { prototype: object }
  export default RequestQueue
}

// kafkajs's fetch batch (karafka web reads partitions without a consumer group, see reader.ts).
declare module 'kafkajs/src/consumer/batch.js' {
  export default class Batch {
    constructor(topic: string, fetchedOffset: string, partitionData: unknown)
    messages: {
      offset: string
      timestamp: string
      key: Buffer | null
      value: Buffer | null
      headers: Record<string, Buffer | Buffer[] | undefined>
    }[]
    /** The fetched records at or after the fetched offset, aborted and control records included. */
    messagesWithinOffset: { offset: string }[]
  }
}
