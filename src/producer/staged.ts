import { KarafkaError } from '../errors/index.js'
import type { Delivery, OutgoingRecord, RecordSender } from './sender.js'

/** A record a handler of a transactional route published, to be written when its batch commits. */
export interface StagedRecord {
  topic: string
  record: OutgoingRecord
}

/**
 * Where a record stands before its transaction commits: Kafka's producers report an unknown
 * partition and offset as -1, and so does a responder inside a transactional route.
 */
export const STAGED_DELIVERY = { partition: -1, offset: '-1' } as const

/**
 * The sender behind `ctx.responders` in a transactional route: it keeps what the handler
 * publishes, in call order, instead of sending it. The poller writes the records in the
 * transaction that commits the batch's offsets, so they appear exactly when the batch counts
 * as consumed. `mark()` notes how many were published when the handler called
 * `ctx.markAsConsumed`: after a failure, only those belong to the part that was consumed.
 * Once the records are taken for the transaction, a later send (a responder call the handler
 * did not await) is refused: it could only be lost.
 */
export class StagedSender implements RecordSender {
  private readonly records: StagedRecord[] = []
  private atMark = 0
  private taken = false

  send(topic: string, record: OutgoingRecord): Promise<Delivery> {
    if (this.taken) {
      return Promise.reject(
        new KarafkaError('PRODUCE_FAILED', `a responder of ${topic} was called after the handler of a transactional route returned`, {
          topic,
          hint: "await every ctx.responders call inside the handler: what is published after it returns is outside the batch's transaction",
        }),
      )
    }
    this.records.push({ topic, record })
    return Promise.resolve({ topic, ...STAGED_DELIVERY })
  }

  /** The handler marked a message as consumed: what it published so far goes with it. */
  mark(): void {
    this.atMark = this.records.length
  }

  /** Everything published, for a batch that succeeded. */
  all(): StagedRecord[] {
    this.taken = true
    return [...this.records]
  }

  /** What was published up to the last mark, for a batch that failed after it. */
  upToMark(): StagedRecord[] {
    this.taken = true
    return this.records.slice(0, this.atMark)
  }
}
