import { spawnSync } from 'node:child_process'
import { KarafkaError } from '../errors/index.js'

/**
 * Checks that Java 17+ is on the PATH and returns its major version.
 * @throws KarafkaError BROKER_PREREQUISITE_MISSING saying what to install.
 */
export function requireJava(): number {
  const run = spawnSync('java', ['-version'], { encoding: 'utf8' })
  if (run.error || run.status !== 0) {
    throw new KarafkaError('BROKER_PREREQUISITE_MISSING', 'Java was not found: the dev broker runs on Java 17 or newer', {
      hint: 'install a JDK 17+ (Debian/Ubuntu: apt-get install openjdk-17-jdk-headless; macOS: brew install openjdk@17), or set KAFKA_BROKERS to use another broker',
    })
  }
  const match = /version "(\d+)(?:\.(\d+))?/.exec(run.stderr + run.stdout)
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : 0
  if (major < 17) {
    throw new KarafkaError(
      'BROKER_PREREQUISITE_MISSING',
      `Java ${major || '(unknown version)'} is too old: the dev broker needs Java 17 or newer`,
      {
        hint: 'install a JDK 17+ and put it first on the PATH',
      },
    )
  }
  return major
}

/**
 * Checks that Maven is on the PATH; it fetches the broker's jars from Maven Central.
 * @throws KarafkaError BROKER_PREREQUISITE_MISSING saying what to install.
 */
export function requireMaven(): void {
  const run = spawnSync('mvn', ['--version'], { encoding: 'utf8' })
  if (run.error || run.status !== 0) {
    throw new KarafkaError('BROKER_PREREQUISITE_MISSING', 'Maven (mvn) was not found: it fetches the dev broker from Maven Central', {
      hint: 'install Maven (Debian/Ubuntu: apt-get install maven; macOS: brew install maven)',
    })
  }
}
