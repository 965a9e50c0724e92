import type { PartitionerName } from '../producer/partitioners.js'
import type { EventSpec } from './fields.js'
import type { ManifestData } from './schema.js'
import type { Path, Position } from './source.js'

export type AppConfig = Omit<ManifestData['app'], 'brokers'> & { brokers: string[] }
export type LambdaConfig = ManifestData['lambda'] & {}
export type MetricsConfig = ManifestData['metrics'] & {}
export type WebConfig = ManifestData['web']
export type RouteSettings = ManifestData['consumerGroups'][string]['topics'][string]

/** Settings that apply to a consumer group as a whole. */
export type GroupSettings = Omit<ManifestData['consumerGroups'][string], 'topics'>

/** A declared topic, with its events parsed. */
export interface Topic {
  name: string
  partitions: number
  replicationFactor: number
  config: Record<string, string>
  key: string | undefined
  events: Record<string, EventSpec>
  /** The topic's own partitioner, or app.partitioner. */
  partitioner: PartitionerName
}

/** How AWS's event source mapping polls a route with `poller: aws`, every default applied. */
export interface AwsPolling {
  /** The Kafka consumer group the mapping consumes as: `aws.consumerGroupId`, or the route's consumer group. */
  consumerGroupId: string
  pollers: { min: number; max: number }
}

/** One consumer group's subscription of one topic, with every default applied. */
export interface Route extends Omit<RouteSettings, 'handler' | 'poller' | 'aws'> {
  group: string
  topic: string
  /** The handler path as written, relative to the project root. */
  handler: string
  /** The handler's absolute path. */
  handlerPath: string
  /** The Lambda function name, for lambda routes. */
  functionName: string | undefined
  /** Who polls a lambda route; the karafka poller when left out. */
  poller?: RouteSettings['poller']
  /** For routes with `poller: aws`: how AWS's event source mapping polls them. */
  aws?: AwsPolling
}

/** A loaded, checked and resolved manifest. */
export interface Manifest {
  /** Absolute path of karafka.yml. */
  file: string
  /** The project root: the manifest's directory. */
  root: string
  app: AppConfig
  codegen: { outDir: string }
  lambda: LambdaConfig | undefined
  /** The metrics and health endpoint of `karafka server`, when the manifest sets one. */
  metrics: MetricsConfig | undefined
  /** What `karafka server` reports for `karafka web`, and where. */
  web: WebConfig
  topics: Record<string, Topic>
  consumerGroups: Record<string, Route[]>
  /** Settings of each consumer group as a whole. */
  groupSettings: Record<string, GroupSettings>
  routes: Route[]
  /** Values that must never be printed (SASL password, `${...PASSWORD/SECRET/TOKEN}`). */
  secrets: string[]
  /** The app block as written, before `${VAR}` expansion: generated code keeps this. */
  appTemplate: unknown
  /** Where a field is written in the manifest, for errors found after loading. */
  locate(path: Path, at?: 'key' | 'value'): Position
}
