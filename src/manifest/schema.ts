import { z } from 'zod'
import { PARTITIONERS } from '../producer/partitioners.js'
import { FIELD_NAME, parseTypeExpression, SCHEMA_REF, TYPE_HELP } from './fields.js'

/**
 * The zod schema of `karafka.yml`: structure, types and defaults. Rules that span several
 * fields (partition keys, routes to declared topics, ...) live in rules.ts. The JSON Schema
 * in schema/karafka.schema.json is generated from this one.
 */

/** The Node.js runtimes of Lambda that are supported; older ones are refused (rules.ts says why). */
export const LAMBDA_RUNTIMES = ['nodejs24.x', 'nodejs22.x'] as const

const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/
const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/

export const topicNameSchema = z.string().regex(TOPIC_NAME, 'a topic name has 1 to 249 letters, digits, ".", "_" or "-"')
const groupNameSchema = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'a group name has letters, digits, ".", "_" or "-"')
const eventNameSchema = z.string().regex(IDENTIFIER, 'an event name starts with a letter and has letters, digits and "_"')
const fieldNameSchema = z.string().regex(FIELD_NAME, 'a field name is an identifier, with "?" at the end when optional')

const typeExpressionSchema = z.string().superRefine((text, ctx) => {
  const type = parseTypeExpression(text)
  if ('error' in type) ctx.addIssue({ code: 'custom', message: `${type.error}; a field type is ${TYPE_HELP}` })
})

export type FieldSpecInput = string | [FieldSpecInput] | { [field: string]: FieldSpecInput }

export const fieldSpecSchema: z.ZodType<FieldSpecInput> = z.lazy(() =>
  z.union([typeExpressionSchema, z.tuple([fieldSpecSchema]), fieldsSchema]),
)
const fieldsSchema = z.record(fieldNameSchema, fieldSpecSchema)

const eventSpecSchema = z.union([z.string().regex(SCHEMA_REF, 'a schema reference is "path/to/module.ts#ExportName"'), fieldsSchema])

const isoTimestamp = z.string().refine((text) => /^\d{4}-\d\d-\d\d/.test(text) && !Number.isNaN(Date.parse(text)), {
  message: 'startFrom is earliest, latest or an ISO-8601 time such as 2026-01-31T00:00:00Z',
})

export const topicSchema = z.strictObject({
  partitions: z.int().min(1).max(100_000).default(1),
  replicationFactor: z.int().min(1).max(32_767).default(1),
  config: z
    .record(z.string().regex(/^[a-z0-9.]+$/, 'a topic config name such as cleanup.policy'), z.union([z.string(), z.number(), z.boolean()]))
    .default({}),
  key: z
    .string()
    .regex(/^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*$/, 'a partition key is a dot path such as id or customer.id')
    .optional(),
  events: z.record(eventNameSchema, eventSpecSchema).default({}),
  /** How keys pick partitions on this topic, when not as app.partitioner says. */
  partitioner: z.enum(PARTITIONERS).optional(),
})

export const batchSchema = z.strictObject({
  maxSize: z.int().min(1).max(100_000).default(100),
  maxWaitMs: z.int().min(0).max(60_000).default(50),
})

export const retrySchema = z.strictObject({
  attempts: z.int().min(1).max(1_000).default(3),
  backoffMs: z.int().min(0).max(3_600_000).default(1_000),
  maxBackoffMs: z.int().min(0).max(3_600_000).default(30_000),
})

/** A file or directory path of the project, as file systems take them: no control characters, no part over 255 bytes. */
const projectPath = z
  .string()
  .min(1)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point: paths must not hold them
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'a path has no control characters')
  .refine((value) => value.split(/[/\\]/).every((part) => Buffer.byteLength(part) <= 255), 'each part of a path is at most 255 bytes')

/** Key-level parallelism inside a partition (Karafka's virtual partitions). */
export const virtualPartitionsSchema = z.strictObject({
  /** What spreads messages: `key` (the record key) or a dot path into the payload. */
  by: z
    .string()
    .regex(
      /^(key|[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*)$/,
      'by is key (the record key) or a dot path into the payload, such as customer.id',
    )
    .default('key'),
  /** How many virtual partitions a partition is spread over, at most. */
  max: z.int().min(1).max(64),
  /** balanced: each window's values spread evenly over them; consistent: a value always goes to the same one (its stable hash). */
  distribution: z.enum(['balanced', 'consistent']).default('balanced'),
})

/** Who polls a lambda route: `karafka server` (which invokes the function), or AWS's event source mapping. */
export const POLLERS = ['karafka', 'aws'] as const

/** AWS's own defaults for provisioned Kafka pollers. */
export const AWS_DEFAULT_POLLERS = { min: 1, max: 200 } as const

/** How AWS's event source mapping polls a route with `poller: aws`. */
export const awsPollingSchema = z.strictObject({
  /** The Kafka consumer group the mapping consumes as (AWS's ConsumerGroupId); the route's consumer group by default. */
  consumerGroupId: z
    .string()
    .regex(/^[a-zA-Z0-9\-/*:_+=.@]{1,200}$/, 'a consumer group id has 1 to 200 letters, digits or - / * : _ + = . @')
    .optional(),
  /** Provisioned event pollers (AWS's ProvisionedPollerConfig): error handling and partial batch answers need them. */
  pollers: z
    .strictObject({
      min: z.int().min(1).max(200).default(AWS_DEFAULT_POLLERS.min),
      max: z.int().min(1).max(2_000).default(AWS_DEFAULT_POLLERS.max),
    })
    .prefault({}),
})

export const routeSchema = z.strictObject({
  handler: projectPath,
  backend: z.enum(['local', 'lambda']).default('local'),
  batch: batchSchema.prefault({}),
  startFrom: z.union([z.enum(['earliest', 'latest']), isoTimestamp]).default('earliest'),
  retry: retrySchema.prefault({}),
  deadLetter: topicNameSchema.optional(),
  virtualPartitions: virtualPartitionsSchema.optional(),
  /**
   * Exactly-once consume -> produce: what the handler publishes through ctx.responders and the
   * offsets past its batch are written in one Kafka transaction, so they appear together or not at all.
   */
  transactional: z.boolean().default(false),
  /**
   * A message whose event_name header names another event than its envelope, or whose key is
   * not its payload's partition key: reported (and handed over), or dead-lettered as invalid.
   */
  inconsistent: z.enum(['report', 'dead-letter']).default('report'),
  /** Who polls a lambda route: karafka (the default: `karafka server`) or aws (AWS's event source mapping). */
  poller: z.enum(POLLERS).default('karafka'),
  aws: awsPollingSchema.optional(),
})

export const consumerGroupSchema = z.strictObject({
  topics: z.record(topicNameSchema, routeSchema),
  /** The group session timeout: a member silent for longer is removed from the group. */
  sessionTimeoutMs: z.int().min(6_000).max(3_600_000).default(30_000),
  /** How often members heartbeat, also while a handler runs. */
  heartbeatIntervalMs: z.int().min(100).max(60_000).default(3_000),
  /**
   * What the group's consumers read: read_committed (the default) hands over only records of
   * committed transactions, so what an aborted transaction wrote never reaches a handler.
   */
  isolationLevel: z.enum(['read_committed', 'read_uncommitted']).default('read_committed'),
})

export const appSchema = z.strictObject({
  clientId: z.string().regex(/^[A-Za-z0-9._-]+$/, 'a client id has letters, digits, ".", "_" or "-"'),
  brokers: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  ssl: z
    .union([
      z.boolean(),
      /** TLS with the app's own trust and client certificate; each of ca, cert and key is a PEM file (relative to karafka.yml) or PEM text. */
      z.strictObject({
        ca: z.string().min(1).optional(),
        cert: z.string().min(1).optional(),
        key: z.string().min(1).optional(),
        passphrase: z.string().optional(),
        rejectUnauthorized: z.boolean().default(true),
      }),
    ])
    .default(false),
  sasl: z
    .discriminatedUnion('mechanism', [
      z.strictObject({
        mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
        username: z.string(),
        password: z.string(),
      }),
      z.strictObject({
        mechanism: z.literal('oauthbearer'),
        /** Where tokens come from: Amazon MSK's IAM authentication (AWS's signer, the default credential chain). */
        provider: z.literal('aws-msk-iam'),
        /** The cluster's AWS region; AWS_REGION of the process when left out. */
        region: z.string().min(1).optional(),
      }),
    ])
    .optional(),
  shutdownTimeoutMs: z.int().min(0).max(3_600_000).default(60_000),
  /**
   * How a key picks its partition: murmur2 (the Java client's and kafkajs's) or crc32
   * (librdkafka's consistent_random: kcat, confluent-kafka, WaterDrop and Karafka). Producers
   * that share a topic must agree, or one key's events land in two partitions.
   */
  partitioner: z.enum(PARTITIONERS).default('murmur2'),
})

const secretArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/,
    'the ARN of a Secrets Manager secret (arn:aws:secretsmanager:<region>:<account>:secret:<name>)',
  )

export const lambdaSchema = z.strictObject({
  region: z.string().min(1, 'the AWS region is needed, such as us-east-1'),
  functionPrefix: z
    .string()
    .regex(/^[A-Za-z0-9_-]*$/, 'a function prefix has letters, digits, "-" or "_"')
    .default(''),
  runtime: z.enum(LAMBDA_RUNTIMES).default('nodejs24.x'),
  role: z.string().default(''),
  memorySize: z.int().min(128).max(10_240).default(256),
  timeout: z.int().min(1).max(900).default(30),
  alias: z
    .string()
    .regex(/^(?!\d+$)[A-Za-z0-9_-]{1,128}$/, 'an alias has letters, digits, "-" or "_" and is not only digits')
    .default('live'),
  environment: z
    .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'an environment variable name'), z.union([z.string(), z.number(), z.boolean()]))
    .default({}),
  /**
   * A Secrets Manager secret (its ARN) whose JSON keys are environment variable names: each
   * function reads it at cold start, so the app block's `${VAR}`s (a SASL password, a TLS key
   * as PEM text) resolve from it instead of from the function's visible environment.
   */
  secrets: secretArn.optional(),
  /** How AWS's event source mappings reach the cluster, for routes with `poller: aws`. */
  eventSource: z
    .strictObject({
      /** An Amazon MSK cluster's ARN; without it the cluster is self-managed Kafka at app.brokers. */
      mskCluster: z
        .string()
        .regex(
          /^arn:aws[a-z-]*:kafka:[a-z0-9-]+:\d{12}:cluster\/[^/]+\/[^/]+$/,
          'the ARN of an Amazon MSK cluster (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>)',
        )
        .optional(),
      /** The Secrets Manager secret AWS's mapping signs in with: SASL username and password, or the client certificate and key. */
      authSecret: secretArn.optional(),
      /** The Secrets Manager secret with the root CA certificate of a self-managed cluster's private CA (app.ssl.ca). */
      caSecret: secretArn.optional(),
    })
    .optional(),
})

export const codegenSchema = z.strictObject({
  outDir: projectPath.default('generated'),
})

/** `karafka server`'s HTTP endpoint: /metrics (Prometheus), /healthz and /readyz. */
export const metricsSchema = z.strictObject({
  /** The port; 0 picks a free one. `karafka server --metrics-port` overrides it. */
  port: z.int().min(0).max(65_535).default(9464),
  host: z.string().min(1).default('0.0.0.0'),
  /** /readyz fails when a group has not fetched from the broker for this long (and no handler is running). */
  stalledAfterMs: z.int().min(1_000).max(3_600_000).default(30_000),
  /** /readyz fails when one handler call has run this long. */
  stuckAfterMs: z.int().min(1_000).max(86_400_000).default(300_000),
})

/** What `karafka server` reports for `karafka web`: its state into a compacted topic, handler failures into another. */
export const webSchema = z.strictObject({
  /** Every karafka server process reports its state and its handler failures (false: no reports, and nothing is written to either topic). */
  reporting: z.boolean().default(true),
  /** How often a process reports while nothing changes; it also reports within a second of each change. */
  reportIntervalMs: z.int().min(1_000).max(300_000).default(10_000),
  /** The compacted topic of the reports, one key per process. */
  reportsTopic: topicNameSchema.default('karafka_ts_reports'),
  /** The topic of recent handler failures. */
  errorsTopic: topicNameSchema.default('karafka_ts_errors'),
})

export const manifestSchema = z.strictObject({
  app: appSchema,
  codegen: codegenSchema.prefault({}),
  lambda: lambdaSchema.optional(),
  metrics: metricsSchema.optional(),
  web: webSchema.prefault({}),
  topics: z.record(topicNameSchema, topicSchema),
  consumerGroups: z.record(groupNameSchema, consumerGroupSchema).default({}),
})

/** The manifest as written (before defaults). */
export type ManifestInput = z.input<typeof manifestSchema>
/** The manifest after the schema applied its defaults. */
export type ManifestData = z.output<typeof manifestSchema>
