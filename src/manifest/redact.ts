/** Replaces every secret value in `text` with `[redacted]`. */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text
  for (const secret of secrets) if (secret.length > 0) result = result.split(secret).join('[redacted]')
  return result
}
