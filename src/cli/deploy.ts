import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { ArgumentsError, KarafkaError } from '../errors/index.js'
import { createLambdaClient } from '../invokers/lambda.js'
import type { EventSourceMappingProperties } from '../lambda/event-source-mapping.js'
import { loadManifest, type Manifest, type Route } from '../manifest/index.js'
import type { Command } from './command.js'
import { table } from './table.js'

const TEMPLATES = ['sam']

export const deploy: Command = {
  words: ['deploy'],
  summary: 'create or update the Lambda functions, publish a version, move the alias; or write a SAM template of them',
  args: '[--dry-run] [--route group/topic] [--template sam [--out dist/template.yaml]]',
  options: { 'dry-run': { type: 'boolean' }, route: { type: 'string' }, template: { type: 'string' }, out: { type: 'string' } },
  optionHelp: {
    'dry-run': 'say what would change (and what AWS-polled routes lose), change nothing',
    route: 'only this lambda route',
    template: 'write an AWS SAM template instead of deploying: functions, versions, aliases, roles, event source mappings',
    out: 'where --template writes (default dist/template.yaml)',
  },
  async run({ values, manifestPath }) {
    const manifest = loadManifest(manifestPath)
    const { lambdaRoutes } = await import('../lambda/build.js')
    const routes = lambdaRoutes(manifest, values.route as string | undefined)
    const warn = (text: string) => process.stderr.write(`warning: ${text}\n`)
    if (values.template !== undefined) return writeTemplate(manifest, routes, values, warn)
    if (values.out !== undefined)
      throw new ArgumentsError('--out goes with --template', 'karafka deploy --template sam --out template.yaml')
    const { deployFunctions } = await import('../lambda/deploy.js')
    const dryRun = values['dry-run'] === true
    const actions = await deployFunctions({
      manifest,
      routes,
      client: createLambdaClient(manifest),
      dryRun,
      onProgress: (text) => process.stderr.write(`${text}\n`),
    })
    const rows = actions.map((a) => [a.functionName, a.action, a.detail])
    const awsPolled = routes.filter((route) => route.poller === 'aws')
    if (awsPolled.length > 0) {
      const { eventSourceMapping } = await import('../lambda/event-source-mapping.js')
      for (const route of awsPolled) {
        const mapping = eventSourceMapping(manifest, route)
        if (dryRun) for (const text of mapping.warnings) warn(text)
        rows.push([
          route.functionName!,
          'event source mapping',
          `${describeMapping(mapping.properties)}; not made by karafka deploy: see --template sam`,
        ])
      }
    }
    process.stdout.write(`${table(['function', dryRun ? 'would' : 'action', 'details'], rows)}\n`)
    if (dryRun) process.stdout.write('dry run: nothing was changed\n')
    return 0
  },
}

/** `deploy --template sam`: builds the zips, then writes the template beside them; no AWS call. */
async function writeTemplate(manifest: Manifest, routes: Route[], values: Record<string, unknown>, warn: (text: string) => void) {
  if (!TEMPLATES.includes(String(values.template)))
    throw new ArgumentsError(
      `--template ${String(values.template)} is not a template karafka writes`,
      `use --template ${TEMPLATES.join(' or ')}`,
    )
  if (!manifest.lambda)
    throw new KarafkaError('DEPLOY_FAILED', 'karafka.yml has no lambda block', {
      hint: 'add lambda: { region, functionPrefix } to deploy lambda routes',
    })
  const { buildFunctions } = await import('../lambda/build.js')
  const { samTemplate } = await import('../lambda/template.js')
  const out = path.resolve(process.cwd(), (values.out as string | undefined) ?? path.join(manifest.root, 'dist', 'template.yaml'))
  const built = await buildFunctions(manifest, routes, (text) => process.stderr.write(`${text}\n`))
  const template = samTemplate(manifest, built, path.dirname(out))
  for (const text of template.warnings) warn(text)
  if (manifest.lambda.role) warn('lambda.role is for karafka deploy: the template gives each function a role of its own')
  mkdirSync(path.dirname(out), { recursive: true })
  const temporary = `${out}.${process.pid}.tmp`
  writeFileSync(temporary, template.text)
  renameSync(temporary, out)
  const shown = path.relative(process.cwd(), out) || out
  process.stdout.write(
    `${table(
      ['resource', 'type'],
      template.resources.map((r) => [r.id, r.type]),
    )}\n`,
  )
  process.stdout.write(
    `wrote ${shown}; deploy it with:\n  sam deploy --template-file ${shown} --stack-name ${manifest.app.clientId.replace(/[^A-Za-z0-9-]/g, '-')} --capabilities CAPABILITY_IAM --resolve-s3 --region ${manifest.lambda.region}\n`,
  )
  return 0
}

/** A mapping's settings in one line, for the deploy table. */
function describeMapping(properties: EventSourceMappingProperties): string {
  const { Topics, StartingPosition, BatchSize, MaximumRetryAttempts, DestinationConfig, ProvisionedPollerConfig } = properties
  const retries = MaximumRetryAttempts === -1 ? 'retries without end' : `${MaximumRetryAttempts} retries`
  const then = DestinationConfig ? ` then ${DestinationConfig.OnFailure.Destination}` : ''
  return `AWS polls ${Topics[0]} from ${StartingPosition}, batches of ${BatchSize}, ${retries}${then}, ${ProvisionedPollerConfig.MinimumPollers}-${ProvisionedPollerConfig.MaximumPollers} pollers`
}
