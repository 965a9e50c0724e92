import { KarafkaError } from '../errors/index.js'
import { resolveSslPaths } from '../kafka/security.js'
import { expandValue } from '../manifest/env.js'
import { brokerList } from '../manifest/resolve.js'
import { appSchema } from '../manifest/schema.js'
import type { AppConfig } from '../manifest/types.js'
import { describeIssues } from './validate.js'

/**
 * Resolves the app block that generated code keeps (as written in karafka.yml) against the
 * environment of this process: `${VAR}`s expanded, defaults applied, brokers listed, the
 * TLS files found from `root` (the directory of karafka.yml).
 * @throws KarafkaError CONFIG_INVALID when a variable is unset or a value is wrong.
 */
export function resolveAppConfig(template: unknown, env: NodeJS.ProcessEnv = process.env, root = process.cwd()): AppConfig {
  const unset: string[] = []
  const expanded = expandValue(template, env, (name) => unset.push(name))
  if (unset.length > 0) {
    throw new KarafkaError(
      'CONFIG_INVALID',
      `the app settings of karafka.yml need ${unset.map((n) => `\${${n}}`).join(', ')}, which ${unset.length === 1 ? 'is' : 'are'} not set`,
      {
        hint: `set ${unset.join(', ')} in the environment of this process`,
      },
    )
  }
  const parsed = appSchema.safeParse(expanded)
  if (!parsed.success)
    throw new KarafkaError('CONFIG_INVALID', `the app settings of karafka.yml are invalid here: ${describeIssues(parsed.error)}`)
  return { ...parsed.data, brokers: brokerList(parsed.data.brokers), ssl: resolveSslPaths(parsed.data.ssl, root) }
}
