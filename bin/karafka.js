#!/usr/bin/env node
// The CLI runs from TypeScript sources; tsx compiles them (and the app's .ts handlers) on load.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/cli/bin.ts')
// Exit when the command is done, even if a library left a timer, socket or child running.
process.exit(await main(process.argv.slice(2)))
