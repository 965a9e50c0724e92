// `npm run build` (and npm's prepare, so that npm pack and a git install carry the build):
// compiles src/ and generator/ to JavaScript with declaration files in lib/, and copies the
// plain .mjs files tsc does not emit and the web UI's assets (src/web/assets: plain JS and CSS). Plain JavaScript, so that it runs before anything is built.
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const lib = path.join(root, 'lib')
rmSync(lib, { recursive: true, force: true })
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' })
for (const dir of ['src', 'generator']) copyPlainModules(path.join(root, dir), path.join(lib, dir))

function copyPlainModules(from, to) {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.isDirectory()) copyPlainModules(path.join(from, entry.name), path.join(to, entry.name))
    else if (entry.name.endsWith('.mjs') || path.basename(from) === 'assets') {
      mkdirSync(to, { recursive: true })
      copyFileSync(path.join(from, entry.name), path.join(to, entry.name))
    }
  }
}
