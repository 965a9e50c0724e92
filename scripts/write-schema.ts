// Writes schema/karafka.schema.json from the zod schema of the manifest.
import { writeFileSync } from 'node:fs'
import { manifestJsonSchemaText } from '../src/manifest/json-schema.js'

const file = new URL('../schema/karafka.schema.json', import.meta.url)
writeFileSync(file, manifestJsonSchemaText())
process.stdout.write(`wrote ${file.pathname}\n`)
