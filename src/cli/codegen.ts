import path from 'node:path'
import type { Command } from './command.js'

/** `karafka codegen [--check]`. */
export const codegen: Command = {
  words: ['codegen'],
  summary: 'generate typed events, responders, consumers and Lambda entries; create missing handler stubs',
  args: '[--check]',
  options: { check: { type: 'boolean' } },
  optionHelp: { check: 'write nothing; exit 1 and name the files that are stale' },
  async run({ values, manifestPath }) {
    const check = values.check === true
    const began = performance.now()
    // Nothing changed since the last run (same manifest, build and variables, outputs as written): no need to load the manifest.
    const { freshOutputs } = await import('../../generator/stamp.js')
    const fresh = freshOutputs(manifestPath)
    if (fresh) {
      process.stdout.write(
        check
          ? `codegen output is up to date (${fresh.length} files)\n`
          : `codegen: 0 written, ${fresh.length} unchanged, 0 removed in ${Math.round(performance.now() - began)} ms\n`,
      )
      return 0
    }
    const { runCodegen } = await import('../../generator/main.js') // the generator loads only for this command
    const result = runCodegen({ manifestPath, check })
    const show = (file: string) => path.relative(process.cwd(), file) || file
    const stale = [
      ...result.write.map((f) => `${show(f.path)}${f.kind === 'stub' ? ' (missing handler)' : ''}`),
      ...result.remove.map((f) => `${show(f)} (no longer generated)`),
    ]
    if (check) {
      if (stale.length === 0) {
        process.stdout.write(`codegen output is up to date (${result.unchanged.length} files)\n`)
        return 0
      }
      process.stderr.write(`codegen output is stale; run karafka codegen:\n${stale.map((f) => `  ${f}`).join('\n')}\n`)
      return 1
    }
    for (const file of result.write) process.stdout.write(`${file.kind === 'stub' ? 'created' : 'wrote  '} ${show(file.path)}\n`)
    for (const file of result.remove) process.stdout.write(`removed ${show(file)}\n`)
    process.stdout.write(
      `codegen: ${result.write.length} written, ${result.unchanged.length} unchanged, ${result.remove.length} removed in ${Math.round(result.ms)} ms\n`,
    )
    return 0
  },
}
