import path from 'node:path'

/** The `.karafka/broker` directory of the project whose root is `root`: data, logs and state. */
export function brokerHome(root: string): string {
  return path.join(root, '.karafka', 'broker')
}
