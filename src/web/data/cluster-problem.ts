import { securityProblem } from '../../retry/kafka-errors.js'

/** Why the cluster could not be read, as the UI words it: a page's title, what happened, and what to do. */
export interface ClusterProblem {
  /** The security settings were refused (TLS or SASL), as opposed to a broker that did not answer. */
  refused: boolean
  title: string
  what: string
  hint: string
}

/**
 * What a failed read of the cluster tells the user. A TLS or SASL refusal gets the same words
 * as `karafka server` and the other commands (which setting to fix), since asking whether the
 * broker is up sends them looking in the wrong place; anything else is the error's message and
 * that question. `refused` is a refusal the UI's background reads met last: kafkajs retries a
 * refused TLS connection for about 9 s, so a page's read times out first, and that timeout is
 * the refusal again, not a broker that is away.
 */
export function clusterProblem(
  error: unknown,
  brokers: readonly string[],
  refused?: { what: string; hint: string } | undefined,
): ClusterProblem {
  const security = securityProblem(error) ?? refused
  if (security)
    return { refused: true, title: 'The cluster refused the connection', what: security.what, hint: `${capitalize(security.hint)}.` }
  return {
    refused: false,
    title: 'The cluster did not answer',
    what: error instanceof Error ? error.message : String(error),
    hint: `Is the broker at ${brokers.join(', ')} up?`,
  }
}

/**
 * The one line that the UI's banners and notes show for a failed read: the security refusal
 * with its fix, or the error's own message (those places already say that the cluster was not read).
 */
export function clusterErrorText(error: unknown): string {
  const security = securityProblem(error)
  if (security) return `${security.what}; ${security.hint}`
  return error instanceof Error ? error.message : String(error)
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)
