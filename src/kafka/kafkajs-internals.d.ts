// kafkajs internals that karafka-ts patches (see request-queue-fix.ts and record-decoding.ts); kafkajs ships no types for them.
declare module 'kafkajs/src/network/requestQueue/index.js' {
  const RequestQueue: { prototype: object }
  export default RequestQueue
}

declare module 'kafkajs/src/protocol/decoder.js' {
  const Decoder: { prototype: object }
  export default Decoder
}

declare module 'kafkajs/src/utils/long.js' {
  const Long: object
  export default Long
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
