import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { KarafkaError } from '../errors/index.js'
import { requireMaven } from './prerequisites.js'

/** The Apache Kafka release the dev broker runs. */
export const KAFKA_VERSION = '3.9.2'
const SLF4J_VERSION = '1.7.36'

/** Where the resolved classpath is cached; the jars themselves stay in Maven's own repository. */
export function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache')
  return path.join(base, 'karafka-ts', `kafka-${KAFKA_VERSION}`)
}

const POM = `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>karafka-ts</groupId>
  <artifactId>dev-broker</artifactId>
  <version>${KAFKA_VERSION}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>${SLF4J_VERSION}</version></dependency>
  </dependencies>
</project>
`

/**
 * Returns the broker's Java classpath, fetching the jars from Maven Central with `mvn` the
 * first time (they are cached in ~/.m2, the classpath in {@link cacheDir}).
 * @throws KarafkaError BROKER_FETCH_FAILED with Maven's output when the fetch fails.
 */
export async function ensureClasspath(onProgress: (text: string) => void = () => {}): Promise<string> {
  const dir = cacheDir()
  const classpathFile = path.join(dir, 'classpath.txt')
  if (existsSync(classpathFile)) {
    const classpath = readFileSync(classpathFile, 'utf8').trim()
    if (classpath?.split(path.delimiter).every((jar) => existsSync(jar))) return classpath
  }
  requireMaven()
  mkdirSync(dir, { recursive: true })
  writeFileSync(path.join(dir, 'pom.xml'), POM)
  onProgress(`fetching Apache Kafka ${KAFKA_VERSION} from Maven Central (once)...`)
  const output = await run('mvn', [
    '-q',
    '-B',
    '-f',
    path.join(dir, 'pom.xml'),
    'dependency:build-classpath',
    `-Dmdep.outputFile=${classpathFile}`,
  ])
  if (output.code !== 0 || !existsSync(classpathFile)) {
    throw new KarafkaError(
      'BROKER_FETCH_FAILED',
      `Maven could not fetch Apache Kafka ${KAFKA_VERSION}:\n${output.text.trim().split('\n').slice(-15).join('\n')}`,
      {
        hint: 'check that Maven Central is reachable (and any proxy in ~/.m2/settings.xml), then try again',
      },
    )
  }
  return readFileSync(classpathFile, 'utf8').trim()
}

function run(command: string, args: string[]): Promise<{ code: number; text: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let text = ''
    child.stdout.on('data', (chunk: Buffer) => (text += chunk))
    child.stderr.on('data', (chunk: Buffer) => (text += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? 1, text }))
  })
}
