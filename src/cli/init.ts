import path from 'node:path'
import type { Command } from './command.js'

/** `karafka init [--lambda]`: the seed's `karafka install`. */
export const init: Command = {
  words: ['init'],
  summary: 'start an app here: karafka.yml (the users app), handlers/, generated code, scripts, a first test',
  args: '[--lambda]',
  options: { lambda: { type: 'boolean' } },
  optionHelp: { lambda: 'also a consumer group whose route runs on AWS Lambda, and the lambda block' },
  async run({ values, manifestPath }) {
    const dir = path.dirname(manifestPath)
    const { scaffold } = await import('../init/scaffold.js')
    const { steps, name } = scaffold({ dir, lambda: values.lambda === true })
    const out = (text: string) => process.stdout.write(`${text}\n`)
    out(`karafka init: ${name} in ${path.relative(process.cwd(), dir) || '.'}`)
    for (const step of steps) out(`  ${step.action.padEnd(8)} ${step.file}${step.detail ? ` (${step.detail})` : ''}`)
    const { runCodegen } = await import('../../generator/main.js')
    const generated = runCodegen({ manifestPath })
    for (const file of generated.write) out(`  ${file.kind === 'stub' ? 'created ' : 'wrote   '} ${path.relative(dir, file.path)}`)
    if (generated.write.length === 0 && steps.every((step) => step.action === 'kept' || step.action === 'skipped'))
      out('Nothing to do: the app is set up.')
    out('')
    out('Next:')
    out('  npx karafka dev      start a local Kafka broker, create the topics, run the consumers')
    out('  npm test             run the handler test (no broker needed)')
    out(`  npx karafka produce users user_created '{"id":1,"email":"jane@example.com"}'   (in another terminal, while dev runs)`)
    return 0
  },
}
