import { KarafkaError } from '../errors/index.js'

/** What AWS's signer answers: the token (a presigned URL, base64url) and when it expires (ms since the epoch). */
export interface MskToken {
  token: string
  expiryTime: number
}

export interface MskIamOptions {
  /** The cluster's region; AWS_REGION (or AWS_DEFAULT_REGION) of the process when undefined. */
  region: string | undefined
  /** A token is signed again once less than this is left of it (default 60 s; tokens live 15 min). */
  refreshBeforeMs?: number
  /** AWS's signer; tests pass credentials of their own through it. */
  sign?: (region: string) => Promise<MskToken>
  now?: () => number
}

/**
 * kafkajs's `oauthBearerProvider` for Amazon MSK's IAM authentication. Tokens come from
 * AWS's signer library with the default credential chain (environment, profile, container
 * or instance role, the Lambda function's role) and are reused until `refreshBeforeMs`
 * before they expire, so every new connection and every re-authentication that the broker
 * asks for (`connections.max.reauth.ms`) gets a token with time left on it.
 */
export function mskIamTokenProvider(options: MskIamOptions): () => Promise<{ value: string }> {
  const { refreshBeforeMs = 60_000, now = Date.now } = options
  const sign = options.sign ?? signWithAws
  let current: MskToken | undefined
  let signing: Promise<MskToken> | undefined
  return async () => {
    if (current && current.expiryTime - now() > refreshBeforeMs) return { value: current.token }
    const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION
    if (!region) {
      throw new KarafkaError('CONFIG_INVALID', 'app.sasl: aws-msk-iam needs the cluster region', {
        hint: 'set app.sasl.region in karafka.yml, or AWS_REGION in the environment',
      })
    }
    // Connections that open at once share one signing.
    signing ??= sign(region).finally(() => {
      signing = undefined
    })
    current = await signing
    return { value: current.token }
  }
}

/** The package of AWS's signer: an optional peer dependency, installed by the apps that use MSK IAM. */
export const MSK_SIGNER_PACKAGE = 'aws-msk-iam-sasl-signer-js'

async function signWithAws(region: string): Promise<MskToken> {
  let signer: typeof import('aws-msk-iam-sasl-signer-js')
  try {
    signer = await import('aws-msk-iam-sasl-signer-js')
  } catch (error) {
    throw new KarafkaError(
      'CONFIG_INVALID',
      `app.sasl: aws-msk-iam signs its tokens with AWS's ${MSK_SIGNER_PACKAGE}, which is not installed`,
      {
        cause: error,
        hint: `npm install ${MSK_SIGNER_PACKAGE}`,
      },
    )
  }
  const { generateAuthToken } = signer
  try {
    return await generateAuthToken({ region })
  } catch (error) {
    throw new KarafkaError('KAFKA_AUTH_FAILED', `cannot sign an Amazon MSK IAM token: ${(error as Error).message}`, {
      cause: error,
      hint: 'the default AWS credential chain found no credentials: set AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run with a role',
    })
  }
}
