#!/usr/bin/env node
// The karafka command: the compiled CLI in lib/ (npm run build, or npm's prepare, makes it).
import { main } from '../lib/src/cli/bin.js'

const code = await main(process.argv.slice(2))
// Let what was printed reach a pipe first (a write to a full pipe is still queued), then exit
// when the command is done, even if a library left a timer, socket or child running.
await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))))
process.exit(code)
