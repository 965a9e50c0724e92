export { loadManifest, parseManifest, type LoadOptions } from './load.js'
export { manifestSchema, type ManifestData, type ManifestInput } from './schema.js'
export type { Manifest, Route, Topic, AppConfig, LambdaConfig } from './types.js'
export type { EventSpec, Field, FieldType } from './fields.js'
export { pascalCase, camelCase, lambdaFunctionName } from './names.js'
export { redact } from "./redact.js"
