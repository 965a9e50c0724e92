import { readFileSync } from 'node:fs'
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  type FunctionConfiguration,
  GetAliasCommand,
  GetFunctionCommand,
  type LambdaClient,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda'
import { KarafkaError } from '../errors/index.js'
import type { Manifest, Route } from '../manifest/types.js'
import { buildFunctions } from './build.js'
import { functionEnvironment } from './secrets.js'

/** One line of the deploy table. */
export interface DeployAction {
  functionName: string
  action: 'create' | 'update code' | 'update configuration' | 'unchanged' | 'publish version' | 'create alias' | 'update alias'
  detail: string
}

export interface DeployOptions {
  manifest: Manifest
  routes: Route[]
  client: LambdaClient
  dryRun?: boolean
  onProgress?: (text: string) => void
}

const WAIT = { maxWaitTime: 300, minDelay: 1, maxDelay: 5 }

/**
 * `karafka deploy`: bundles each lambda route, then creates the function or updates its code
 * (only when CodeSha256 changed) and configuration (only on drift), waiting with the SDK's
 * waiters; publishes a version when something changed and points the alias at it.
 * With `dryRun`, reads the same state and says what it would do, changing nothing.
 * @throws KarafkaError DEPLOY_FAILED for a missing role, region or credentials.
 */
export async function deployFunctions({
  manifest,
  routes,
  client,
  dryRun = false,
  onProgress = () => {},
}: DeployOptions): Promise<DeployAction[]> {
  const lambda = manifest.lambda
  if (!lambda)
    throw new KarafkaError('DEPLOY_FAILED', 'karafka.yml has no lambda block', {
      hint: 'add lambda: { region, functionPrefix, role } to deploy lambda routes',
    })
  await requireCredentials(client)
  const built = await buildFunctions(manifest, routes, onProgress)
  const actions: DeployAction[] = []
  const say = (functionName: string, action: DeployAction['action'], detail: string) => {
    actions.push({ functionName, action, detail })
    onProgress(`${dryRun ? 'would ' : ''}${action} ${functionName}${detail ? `: ${detail}` : ''}`)
  }
  for (const fn of built) {
    const name = fn.functionName
    const desired = {
      Runtime: lambda.runtime,
      Handler: 'index.handler',
      Role: lambda.role,
      MemorySize: lambda.memorySize,
      Timeout: lambda.timeout,
      Environment: { Variables: functionEnvironment(lambda) },
    }
    onProgress(`checking ${name}...`)
    const current = await getFunction(client, name)
    let changed = false
    if (!current) {
      if (!lambda.role) {
        throw new KarafkaError('DEPLOY_FAILED', `${name} does not exist yet and lambda.role is not set`, {
          hint: "set lambda.role in karafka.yml (for example role: ${LAMBDA_ROLE_ARN}) to the ARN of the functions' execution role",
        })
      }
      say(name, 'create', `${fn.bytes} bytes, ${desired.Runtime}, ${desired.MemorySize} MB, ${desired.Timeout} s`)
      if (!dryRun) {
        onProgress(`uploading ${name} (${fn.bytes} bytes)...`)
        await client.send(
          new CreateFunctionCommand({ FunctionName: name, Code: { ZipFile: readFileSync(fn.zip) }, Publish: false, ...desired }),
        )
        onProgress(`waiting for ${name} to become active...`)
        await waitUntilFunctionActiveV2({ client, ...WAIT }, { FunctionName: name })
      }
      changed = true
    } else {
      if (current.CodeSha256 !== fn.sha256) {
        say(name, 'update code', `${current.CodeSha256} -> ${fn.sha256}`)
        if (!dryRun) {
          onProgress(`uploading ${name} (${fn.bytes} bytes)...`)
          await client.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: readFileSync(fn.zip) }))
          onProgress(`waiting for ${name} to be updated...`)
          await waitUntilFunctionUpdatedV2({ client, ...WAIT }, { FunctionName: name })
        }
        changed = true
      }
      const drift = configDrift(current, desired)
      if (drift.length > 0) {
        say(name, 'update configuration', drift.join(', '))
        if (!dryRun) {
          const { Role, ...rest } = desired
          await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, ...rest, ...(Role ? { Role } : {}) }))
          onProgress(`waiting for ${name} to be updated...`)
          await waitUntilFunctionUpdatedV2({ client, ...WAIT }, { FunctionName: name })
        }
        changed = true
      }
    }
    const alias = current ? await getAlias(client, name, lambda.alias) : undefined
    if (!changed && alias) {
      say(name, 'unchanged', `alias ${lambda.alias} -> version ${alias.FunctionVersion}`)
      continue
    }
    let version = '(new)'
    if (!dryRun) {
      const published = await client.send(new PublishVersionCommand({ FunctionName: name }))
      version = published.Version ?? '$LATEST'
    }
    say(name, 'publish version', version)
    if (!alias) {
      say(name, 'create alias', `${lambda.alias} -> version ${version}`)
      if (!dryRun) await client.send(new CreateAliasCommand({ FunctionName: name, Name: lambda.alias, FunctionVersion: version }))
    } else {
      say(name, 'update alias', `${lambda.alias}: version ${alias.FunctionVersion} -> ${version}`)
      if (!dryRun) await client.send(new UpdateAliasCommand({ FunctionName: name, Name: lambda.alias, FunctionVersion: version }))
    }
  }
  return actions
}

function configDrift(
  current: FunctionConfiguration,
  desired: {
    Runtime: string
    Handler: string
    Role: string
    MemorySize: number
    Timeout: number
    Environment: { Variables: Record<string, string> }
  },
): string[] {
  const drift: string[] = []
  const check = (name: string, from: unknown, to: unknown) => {
    if (JSON.stringify(from ?? null) !== JSON.stringify(to ?? null))
      drift.push(`${name}: ${JSON.stringify(from ?? null)} -> ${JSON.stringify(to)}`)
  }
  check('runtime', current.Runtime, desired.Runtime)
  check('handler', current.Handler, desired.Handler)
  if (desired.Role) check('role', current.Role, desired.Role)
  check('memory', current.MemorySize, desired.MemorySize)
  check('timeout', current.Timeout, desired.Timeout)
  check('environment', sortKeys(current.Environment?.Variables ?? {}), sortKeys(desired.Environment.Variables))
  return drift
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)))
}

async function getFunction(client: LambdaClient, name: string): Promise<FunctionConfiguration | undefined> {
  try {
    return (await client.send(new GetFunctionCommand({ FunctionName: name }))).Configuration
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return undefined
    throw wrap(error, `reading ${name}`)
  }
}

async function getAlias(client: LambdaClient, name: string, alias: string): Promise<{ FunctionVersion?: string } | undefined> {
  try {
    return await client.send(new GetAliasCommand({ FunctionName: name, Name: alias }))
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return undefined
    throw wrap(error, `reading alias ${alias} of ${name}`)
  }
}

async function requireCredentials(client: LambdaClient): Promise<void> {
  try {
    await client.config.credentials()
  } catch (cause) {
    throw new KarafkaError('DEPLOY_FAILED', 'no AWS credentials were found', {
      cause,
      hint: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, as for the AWS CLI',
    })
  }
}

function wrap(error: unknown, what: string): KarafkaError {
  return new KarafkaError('AWS_FAILED', `${what} failed: ${(error as Error).name}: ${(error as Error).message}`, { cause: error })
}
