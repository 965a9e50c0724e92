import { KarafkaError } from '../errors/index.js'
import type { LambdaConfig } from '../manifest/types.js'

/** The function environment variable that names the Secrets Manager secret (set by `karafka deploy` from lambda.secrets). */
export const SECRETS_ARN_VARIABLE = 'KARAFKA_SECRETS_ARN'

/**
 * Puts the keys of the function's secret (a JSON object in Secrets Manager) into its
 * environment, leaving variables that are set already as they are. Without
 * KARAFKA_SECRETS_ARN it does nothing. The Lambda entry runs it once per execution
 * environment, before the app block's `${VAR}`s are resolved.
 * @throws KarafkaError CONFIG_INVALID when the secret cannot be read or is not a JSON object of strings.
 */
export async function loadSecrets(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const arn = env[SECRETS_ARN_VARIABLE]
  if (!arn) return []
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager')
  let text: string | undefined
  // The secret's own region (the ARN says it), whatever region the function runs in.
  const client = new SecretsManagerClient({ region: arn.split(':')[3] })
  try {
    text = (await client.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString
  } catch (error) {
    throw new KarafkaError('CONFIG_INVALID', `cannot read the secret ${arn}: ${(error as Error).message}`, {
      cause: error,
      hint: "the function's role needs secretsmanager:GetSecretValue on it (and kms:Decrypt when it has its own key)",
    })
  } finally {
    client.destroy()
  }
  let values: unknown
  try {
    values = JSON.parse(text ?? '')
  } catch {
    values = undefined
  }
  if (
    typeof values !== 'object' ||
    values === null ||
    Array.isArray(values) ||
    !Object.values(values).every((v) => typeof v === 'string')
  ) {
    throw new KarafkaError('CONFIG_INVALID', `the secret ${arn} is not a JSON object of strings`, {
      hint: 'store it as key/value pairs: each key an environment variable name of the app block, such as {"KAFKA_PASSWORD": "..."}',
    })
  }
  const loaded: string[] = []
  for (const [name, value] of Object.entries(values as Record<string, string>)) {
    if (env[name] !== undefined) continue
    env[name] = value
    loaded.push(name)
  }
  return loaded
}

/** The functions' environment: the manifest's lambda.environment, and where their secrets are (read at cold start). */
export function functionEnvironment(lambda: Pick<LambdaConfig, 'environment' | 'secrets'>): Record<string, string> {
  return {
    ...Object.fromEntries(Object.entries(lambda.environment).map(([k, v]) => [k, String(v)])),
    ...(lambda.secrets ? { [SECRETS_ARN_VARIABLE]: lambda.secrets } : {}),
  }
}
