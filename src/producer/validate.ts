import type { z } from 'zod'
import { KarafkaError } from '../errors/index.js'

/**
 * Checks a payload against its event's schema and returns the parsed payload.
 * @throws KarafkaError EVENT_INVALID naming the topic, the event and every failing field.
 */
export function validatePayload(schema: z.ZodType, payload: unknown, topic: string, event: string): unknown {
  const result = schema.safeParse(payload)
  if (result.success) return result.data
  throw new KarafkaError('EVENT_INVALID', `invalid ${event} payload for ${topic}: ${describeIssues(result.error)}`, { topic })
}

/** `id: expected int, received string; email: required` */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length > 0 ? issue.path.join('.') : '(payload)'
      return `${where}: ${issue.message.replace(/^Invalid input: /, '')}`
    })
    .join('; ')
}
