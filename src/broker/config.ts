import { randomBytes } from 'node:crypto'

/** The dev broker's configuration files. */

export interface BrokerLayout {
  home: string
  dataDir: string
  logDir: string
  port: number
  controllerPort: number
}

/**
 * server.properties of a single-node KRaft broker and controller, on loopback, tuned for
 * one node: replication 1 everywhere, no initial rebalance delay, a small offsets topic.
 * Secured, it adds the SASL_SSL and mutual-TLS listeners of secure.ts.
 */
export function serverProperties(
  { dataDir, port, controllerPort }: BrokerLayout,
  secure?: { saslPort: number; mtlsPort: number; properties: string[] },
): string {
  const secured = secure ? [`SASL_SSL://127.0.0.1:${secure.saslPort}`, `SSL://127.0.0.1:${secure.mtlsPort}`] : []
  return `${[
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=${[`PLAINTEXT://127.0.0.1:${port}`, `CONTROLLER://127.0.0.1:${controllerPort}`, ...secured].join(',')}`,
    `advertised.listeners=${[`PLAINTEXT://127.0.0.1:${port}`, ...secured].join(',')}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT${secure ? ',SASL_SSL:SASL_SSL,SSL:SSL' : ''}`,
    ...(secure?.properties ?? []),
    `log.dirs=${dataDir}`,
    'num.partitions=1',
    'default.replication.factor=1',
    'min.insync.replicas=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=4',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'delete.topic.enable=true',
    'log.cleaner.backoff.ms=1000',
  ].join('\n')}\n`
}

/** log4j settings: everything to server.log in the log directory, nothing to the console. */
export function log4jProperties({ logDir }: BrokerLayout): string {
  return `${[
    'log4j.rootLogger=INFO, file',
    'log4j.appender.file=org.apache.log4j.RollingFileAppender',
    `log4j.appender.file.File=${logDir}/server.log`,
    'log4j.appender.file.MaxFileSize=20MB',
    'log4j.appender.file.MaxBackupIndex=2',
    'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
    'log4j.logger.kafka.request.logger=WARN',
    'log4j.logger.org.apache.kafka.raft=WARN',
    'log4j.logger.kafka.log.LogCleaner=INFO',
  ].join('\n')}\n`
}

/**
 * A cluster id as Kafka makes them: 16 random bytes, base64url without padding, never
 * starting with "-" (which the storage tool would read as an option).
 */
export function newClusterId(random: () => Buffer = () => randomBytes(16)): string {
  for (;;) {
    const id = random().toString('base64url')
    if (!id.startsWith('-')) return id
  }
}
