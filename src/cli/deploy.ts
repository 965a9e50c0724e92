import { createLambdaClient } from '../invokers/lambda.js'
import { loadManifest } from '../manifest/index.js'
import type { Command } from './command.js'
import { table } from './table.js'

export const deploy: Command = {
  words: ['deploy'],
  summary: 'create or update the Lambda functions, publish a version, move the alias',
  args: '[--dry-run] [--route group/topic]',
  options: { 'dry-run': { type: 'boolean' }, route: { type: 'string' } },
  optionHelp: { 'dry-run': 'say what would change, change nothing', route: 'only this lambda route' },
  async run({ values, manifestPath }) {
    const manifest = loadManifest(manifestPath)
    const { lambdaRoutes } = await import('../lambda/build.js')
    const { deployFunctions } = await import('../lambda/deploy.js')
    const dryRun = values['dry-run'] === true
    const actions = await deployFunctions({
      manifest,
      routes: lambdaRoutes(manifest, values.route as string | undefined),
      client: createLambdaClient(manifest),
      dryRun,
      onProgress: (text) => process.stderr.write(`${text}\n`),
    })
    process.stdout.write(
      `${table(
        ['function', dryRun ? 'would' : 'action', 'details'],
        actions.map((a) => [a.functionName, a.action, a.detail]),
      )}\n`,
    )
    if (dryRun) process.stdout.write('dry run: nothing was changed\n')
    return 0
  },
}
