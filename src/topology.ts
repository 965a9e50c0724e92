import type { z } from 'zod'
import type { PartitionerName } from './producer/partitioners.js'

/** One event as the runtime needs it: its zod schema and its responder method's name. */
export interface TopologyEvent {
  schema: z.ZodType
  method: string
  /**
   * Compiled by codegen from the event's field types: true when a payload from JSON is valid
   * exactly as it stands (zod would accept it and change nothing), so consumers skip zod for
   * it. Anything else goes through `schema`. Events given as `path#Export` have none.
   */
  check?: (payload: unknown) => boolean
}

/** A topic as the runtime needs it: its partition key path and its events. */
export interface TopologyTopic {
  key: string | undefined
  events: Record<string, TopologyEvent>
  /** How its keys pick partitions (the topic's partitioner, or app.partitioner, when the code was generated). */
  partitioner?: PartitionerName
}

/**
 * What generated code hands the runtime: the fingerprint of the manifest it came from, the app's connection settings as written in the
 * manifest (`${VAR}`s are expanded at run time, so secrets never land in generated code)
 * and every topic with its events.
 */
export interface Topology {
  /** The fingerprint of the manifest this was generated from (see codegenFingerprint). */
  fingerprint: string
  app: Record<string, unknown>
  /** The directory of karafka.yml, when the app block names TLS files (relative to it). */
  root?: string
  topics: Record<string, TopologyTopic>
}
