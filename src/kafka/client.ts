import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs'
import type { AppConfig } from '../manifest/types.js'
import { fixRequestQueue } from './request-queue-fix.js'

fixRequestQueue()

/** A kafkajs client for the app's brokers, TLS and SASL settings; kafkajs's own logging stays off. */
export function createKafka(app: AppConfig, clientIdSuffix = ''): Kafka {
  const config: KafkaConfig = {
    clientId: `${app.clientId}${clientIdSuffix}`,
    brokers: app.brokers,
    ssl: app.ssl,
    logLevel: logLevel.NOTHING,
  }
  if (app.sasl) config.sasl = { mechanism: app.sasl.mechanism, username: app.sasl.username, password: app.sasl.password } as SASLOptions
  return new Kafka(config)
}
