import type { RawRecord } from '../consumer/decode.js'
import type { ConsumerContext, Message } from '../consumer/types.js'
import type { Route } from '../manifest/types.js'
import type { StagedRecord } from '../producer/staged.js'

/** One batch of one partition, handed to a backend. */
export interface InvokeRequest {
  route: Route
  messages: Message[]
  /** The same records as they came off the wire (the Lambda backend sends these). */
  records: RawRecord[]
  /** The context the poller built: attempt, signal, logger. `markAsConsumed` and `responders` are the invoker's. */
  context: Omit<ConsumerContext, 'markAsConsumed' | 'responders'>
}

/** What a backend reports: the last offset consumed (if any) and the error that stopped it (if any). */
export interface InvokeResult {
  consumed: string | undefined
  error?: Error
  /** True when the failure should not count as an attempt (throttling, network): back off and retry. */
  transient?: boolean
  /** On a transactional route: what the handler published for the consumed part, written in the transaction that commits it. */
  records?: StagedRecord[]
}

/** A backend that runs handlers: in this process, or as a Lambda function. */
export interface Invoker {
  invoke(request: InvokeRequest): Promise<InvokeResult>
}
