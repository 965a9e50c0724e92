/** Names derived from manifest names, shared by the loader's rules and the generator. */

function words(name: string): string[] {
  return name.split(/[^A-Za-z0-9]+/).filter(Boolean)
}

/** `user_created` -> `UserCreated`, `orders.dlq` -> `OrdersDlq`. */
export function pascalCase(name: string): string {
  return words(name)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('')
}

/** `user_created` -> `userCreated`. */
export function camelCase(name: string): string {
  const pascal = pascalCase(name)
  return pascal.slice(0, 1).toLowerCase() + pascal.slice(1)
}

/**
 * The Lambda function of a route: `${prefix}${group}-${topic}`, with characters Lambda does
 * not allow replaced by `-`, and cut to Lambda's 64 characters.
 */
export function lambdaFunctionName(prefix: string, group: string, topic: string): string {
  return `${prefix}${group}-${topic}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64)
}
