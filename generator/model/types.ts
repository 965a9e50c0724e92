import type { EventSpec } from '../../src/manifest/index.js'

/** Everything the emitters need, computed once from the manifest; no ts-morph here. */
export interface CodegenModel {
  /** The manifest's file name, for banners. */
  source: string
  root: string
  /** Absolute output directory. */
  outDir: string
  /** The manifest's codegen fingerprint, written into the topology. */
  fingerprint: string
  /** The app block as written in the manifest (`${VAR}`s resolved at run time). */
  appTemplate: unknown
  /** The manifest's directory as a URL relative to outDir, when the app block names TLS files (found from there at run time). */
  rootFromOutDir: string | undefined
  topics: TopicModel[]
  routes: RouteModel[]
}

export interface TopicModel {
  name: string
  /** `UsersEvent`: the union of the topic's events, discriminated on `event`. */
  eventType: string
  /** `UsersMessage`. */
  messageType: string
  /** `UsersResponder`. */
  responderType: string
  key: string | undefined
  partitioner: 'murmur2' | 'crc32'
  events: EventModel[]
}

export interface EventModel {
  name: string
  /** `UserCreated`: the payload type. */
  type: string
  /** `UserCreatedSchema`: the zod schema constant. */
  schema: string
  /** `userCreated`: the responder method. */
  method: string
  spec: EventSpec
  /** For `path#Export` events: the import of the app's schema. */
  ref?: { specifier: string; exportName: string; local: string }
}

export interface RouteModel {
  group: string
  topic: string
  eventType: string
  /** The handler as written in the manifest, and its absolute path. */
  handler: string
  handlerFile: string
  backend: 'local' | 'lambda'
  functionName: string | undefined
  /** Absolute path of the Lambda entry, for lambda routes. */
  entryFile: string | undefined
  /** What the entry tells createLambdaHandler, for routes that AWS's event source mapping polls. */
  entryOptions: { poller: 'aws'; deadLetter?: string; consumerGroupId: string } | undefined
}
