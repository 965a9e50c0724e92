// karafka-ts/register: `node --import karafka-ts/register script.mjs` runs scripts and tests
// that import the app's TypeScript (generated code, handlers) without a build step.
import { registerTypeScript } from './typescript.js'

await registerTypeScript()
