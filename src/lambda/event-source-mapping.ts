import { AWS_DEFAULT_POLLERS } from '../manifest/schema.js'
import type { Manifest, Route } from '../manifest/types.js'

/** AWS::Lambda::EventSourceMapping's properties that karafka-ts sets (FunctionName is the template's to give). */
export interface EventSourceMappingProperties {
  Topics: [string]
  StartingPosition: 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP'
  /** Epoch seconds, with AT_TIMESTAMP. */
  StartingPositionTimestamp?: number
  BatchSize: number
  MaximumBatchingWindowInSeconds: number
  MaximumRetryAttempts: number
  MaximumRecordAgeInSeconds: number
  BisectBatchOnFunctionError: boolean
  FunctionResponseTypes: ['ReportBatchItemFailures']
  DestinationConfig?: { OnFailure: { Destination: string } }
  ProvisionedPollerConfig: { MinimumPollers: number; MaximumPollers: number }
  /** Amazon MSK: the cluster's ARN. */
  EventSourceArn?: string
  AmazonManagedKafkaEventSourceConfig?: { ConsumerGroupId: string }
  /** Self-managed Kafka: where the brokers are. */
  SelfManagedEventSource?: { Endpoints: { KafkaBootstrapServers: string[] } }
  SelfManagedKafkaEventSourceConfig?: { ConsumerGroupId: string }
  SourceAccessConfigurations?: { Type: SourceAccessType; URI: string }[]
}

export type SourceAccessType =
  | 'BASIC_AUTH'
  | 'SASL_SCRAM_256_AUTH'
  | 'SASL_SCRAM_512_AUTH'
  | 'CLIENT_CERTIFICATE_TLS_AUTH'
  | 'SERVER_ROOT_CA_CERTIFICATE'

/** A route's event source mapping, and what the manifest says for it that AWS's mapping cannot honour. */
export interface EventSourceMapping {
  properties: EventSourceMappingProperties
  warnings: string[]
}

/** AWS takes at most 10 bootstrap servers for a self-managed cluster. */
const MAX_BOOTSTRAP_SERVERS = 10

/**
 * The event source mapping that carries a route's meaning over to AWS's Kafka poller, as far
 * as AWS allows: its batch, starting position, consumer group, retries, dead-letter topic,
 * provisioned pollers, cluster and sign-in. The entry answers with partial batch responses,
 * so ReportBatchItemFailures is always on, and so is splitting a batch whose invocation fails
 * (a crash or a timeout), which isolates the message at fault as the poller does. Without a
 * dead-letter topic nothing is ever skipped: retries and record age are unlimited, as the
 * poller keeps retrying. The manifest rules have already refused what AWS cannot take at all.
 */
export function eventSourceMapping(manifest: Manifest, route: Route, now: Date = new Date()): EventSourceMapping {
  const where = `${route.group}/${route.topic}`
  const aws = route.aws ?? { consumerGroupId: route.group, pollers: AWS_DEFAULT_POLLERS }
  const source = manifest.lambda?.eventSource
  const warnings: string[] = []
  const windowSeconds = Math.round(route.batch.maxWaitMs / 1000)
  if (windowSeconds * 1000 !== route.batch.maxWaitMs) {
    warnings.push(
      `${where}: batch.maxWaitMs ${route.batch.maxWaitMs} becomes MaximumBatchingWindowInSeconds ${windowSeconds}: AWS's batching window is whole seconds`,
    )
  }
  const { attempts, backoffMs, maxBackoffMs } = route.retry
  warnings.push(
    route.deadLetter
      ? `${where}: retry.backoffMs ${backoffMs} doubling to maxBackoffMs ${maxBackoffMs} is not honoured: AWS retries at its own pace; retry.attempts ${attempts} carries over (MaximumRetryAttempts ${attempts - 1})`
      : `${where}: retry.backoffMs ${backoffMs} doubling to maxBackoffMs ${maxBackoffMs} is not honoured: AWS retries at its own pace, and without a deadLetter for ever (MaximumRetryAttempts -1), as the poller does`,
  )
  if (route.deadLetter) {
    warnings.push(
      `${where}: when the retries run out, every record the function's answer names (the first that failed and all after it in that partition's batch, never run again) goes to ${route.deadLetter} as AWS writes it (AWS's documentation says the record with failure metadata of its own, not in what form), not as the poller's dead letter of the one failed message, with source_topic, error_class and the other dead-letter headers; invalid messages are dead-lettered by the function itself, as the poller does`,
    )
  }
  if (route.virtualPartitions) {
    warnings.push(
      `${where}: virtualPartitions is not honoured: AWS's mapping invokes the function with one partition's records in order, never several batches of a partition at once`,
    )
  }
  const settings = manifest.groupSettings[route.group]
  if (settings && (settings.sessionTimeoutMs !== 30_000 || settings.heartbeatIntervalMs !== 3_000)) {
    warnings.push(
      `${where}: consumerGroups.${route.group}.sessionTimeoutMs and heartbeatIntervalMs are not honoured: AWS's pollers keep their own`,
    )
  }
  if (settings?.isolationLevel === 'read_uncommitted') {
    warnings.push(
      `${where}: consumerGroups.${route.group}.isolationLevel read_uncommitted is not given to AWS's mapping: it has no such setting, and AWS's documentation does not say whether its pollers hand over records of aborted or open transactions`,
    )
  }
  if (manifest.app.shutdownTimeoutMs !== 60_000) {
    warnings.push(
      `${where}: app.shutdownTimeoutMs ${manifest.app.shutdownTimeoutMs} is not honoured: karafka server does not poll this route, and an invocation AWS starts runs to its end or lambda.timeout`,
    )
  }
  warnings.push(...securityWarnings(manifest, where))
  const start = startingPosition(route.startFrom)
  if (start.StartingPositionTimestamp !== undefined && start.StartingPositionTimestamp * 1000 > now.getTime()) {
    warnings.push(`${where}: startFrom ${route.startFrom} is in the future, and AWS refuses a starting time in the future`)
  }
  const properties: EventSourceMappingProperties = {
    Topics: [route.topic],
    ...start,
    BatchSize: route.batch.maxSize,
    MaximumBatchingWindowInSeconds: windowSeconds,
    MaximumRetryAttempts: route.deadLetter ? attempts - 1 : -1,
    MaximumRecordAgeInSeconds: -1,
    BisectBatchOnFunctionError: true,
    FunctionResponseTypes: ['ReportBatchItemFailures'],
    ...(route.deadLetter ? { DestinationConfig: { OnFailure: { Destination: `kafka://${route.deadLetter}` } } } : {}),
    ProvisionedPollerConfig: { MinimumPollers: aws.pollers.min, MaximumPollers: aws.pollers.max },
  }
  if (source?.mskCluster) {
    properties.EventSourceArn = source.mskCluster
    properties.AmazonManagedKafkaEventSourceConfig = { ConsumerGroupId: aws.consumerGroupId }
  } else {
    const brokers = manifest.app.brokers
    if (brokers.length > MAX_BOOTSTRAP_SERVERS) {
      warnings.push(
        `${where}: AWS takes ${MAX_BOOTSTRAP_SERVERS} bootstrap servers at most; the first ${MAX_BOOTSTRAP_SERVERS} of app.brokers are given`,
      )
    }
    properties.SelfManagedEventSource = { Endpoints: { KafkaBootstrapServers: brokers.slice(0, MAX_BOOTSTRAP_SERVERS) } }
    properties.SelfManagedKafkaEventSourceConfig = { ConsumerGroupId: aws.consumerGroupId }
  }
  const access = sourceAccess(manifest)
  if (access.length > 0) properties.SourceAccessConfigurations = access
  return { properties, warnings }
}

/**
 * What the app block says of TLS and sign-in that AWS's mapping does otherwise. AWS verifies the
 * brokers' certificates whatever the manifest says (against the CAs it trusts, or the root CA
 * of a caSecret), signs in with SASL over TLS only, and is told to use TLS only through what it
 * signs in with or the root CA it is given.
 */
function securityWarnings(manifest: Manifest, where: string): string[] {
  const { sasl, ssl } = manifest.app
  const source = manifest.lambda?.eventSource
  const warnings: string[] = []
  if (typeof ssl === 'object' && !ssl.rejectUnauthorized) {
    warnings.push(
      `${where}: app.ssl.rejectUnauthorized false is not honoured: AWS's mapping always verifies the brokers' certificates (against the CAs it trusts${source?.mskCluster ? '' : ', or the root CA of lambda.eventSource.caSecret'}) and has no setting to skip it`,
    )
  }
  if (source?.mskCluster) {
    if (typeof ssl === 'object' && ssl.ca) {
      warnings.push(`${where}: app.ssl.ca is not given to AWS's mapping: Amazon MSK's brokers have certificates AWS trusts`)
    }
    return warnings
  }
  if (!ssl && sasl && sasl.mechanism !== 'oauthbearer') {
    warnings.push(
      `${where}: app.sasl without app.ssl: AWS's mapping signs in with SASL over TLS only (SASL_SSL, never SASL_PLAINTEXT), so a listener without TLS refuses it`,
    )
  }
  const toldTls = (sasl !== undefined && sasl.mechanism !== 'oauthbearer') || sourceAccess(manifest).length > 0
  if (ssl && !toldTls) {
    warnings.push(
      `${where}: app.ssl without sign-in or a private CA gives AWS's mapping no setting that says TLS (no SourceAccessConfigurations), and AWS's documentation does not say whether it then connects with TLS: check that the mapping reaches a TLS-only listener once deployed`,
    )
  }
  return warnings
}

/** startFrom as AWS's starting position: earliest, latest, or a time (epoch seconds, rounded down: never later than asked). */
function startingPosition(startFrom: string): Pick<EventSourceMappingProperties, 'StartingPosition' | 'StartingPositionTimestamp'> {
  if (startFrom === 'earliest') return { StartingPosition: 'TRIM_HORIZON' }
  if (startFrom === 'latest') return { StartingPosition: 'LATEST' }
  return { StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: Math.floor(Date.parse(startFrom) / 1000) }
}

/**
 * How AWS's mapping signs in, from the app block: MSK IAM needs nothing (the function's role);
 * SASL and client certificates take lambda.eventSource.authSecret, a private CA its caSecret.
 */
export function sourceAccess(manifest: Manifest): NonNullable<EventSourceMappingProperties['SourceAccessConfigurations']> {
  const { sasl, ssl } = manifest.app
  const source = manifest.lambda?.eventSource
  const access: NonNullable<EventSourceMappingProperties['SourceAccessConfigurations']> = []
  const secret = source?.authSecret
  if (secret && sasl && sasl.mechanism !== 'oauthbearer') {
    const type = ({ plain: 'BASIC_AUTH', 'scram-sha-256': 'SASL_SCRAM_256_AUTH', 'scram-sha-512': 'SASL_SCRAM_512_AUTH' } as const)[
      sasl.mechanism
    ]
    access.push({ Type: type, URI: secret })
  } else if (secret && !sasl && typeof ssl === 'object' && ssl.cert) {
    access.push({ Type: 'CLIENT_CERTIFICATE_TLS_AUTH', URI: secret })
  }
  if (!source?.mskCluster && source?.caSecret && typeof ssl === 'object' && ssl.ca) {
    access.push({ Type: 'SERVER_ROOT_CA_CERTIFICATE', URI: source.caSecret })
  }
  return access
}
