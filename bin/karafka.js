#!/usr/bin/env node
// The karafka command: the compiled CLI in lib/ (npm run build, or npm's prepare, makes it).
import { main } from '../lib/src/cli/bin.js'

// Exit when the command is done, even if a library left a timer, socket or child running.
process.exit(await main(process.argv.slice(2)))
