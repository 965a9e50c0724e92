import type { KafkaConfig, logCreator } from 'kafkajs'
import { KarafkaError } from '../errors/index.js'
import type { Monitor } from '../instrumentation/monitor.js'
import type { AppConfig } from '../manifest/types.js'
import { Kafka, logLevel } from './kafkajs.js'
import { saslOptions, tlsOptions } from './security.js'

/**
 * A kafkajs client for the app's brokers, TLS and SASL settings. With a monitor, kafkajs's
 * own log lines go to it (errors and warnings as error.occurred, the rest as client.log);
 * without one they stay off.
 */
export function createKafka(app: AppConfig, clientIdSuffix = '', monitor?: Monitor): Kafka {
  const config: KafkaConfig = {
    clientId: `${app.clientId}${clientIdSuffix}`,
    brokers: app.brokers,
    ssl: tlsOptions(app.ssl),
    logLevel: monitor ? logLevel.INFO : logLevel.NOTHING,
    ...(monitor ? { logCreator: toMonitor(monitor) } : {}),
  }
  if (app.sasl) config.sasl = saslOptions(app.sasl)
  return new Kafka(config)
}

/** kafkajs's logger, writing to the monitor. */
export function toMonitor(monitor: Monitor): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _logger, ...fields } = log
      if (level === logLevel.ERROR || level === logLevel.WARN) {
        const detail = typeof fields.error === 'string' ? `: ${fields.error}` : ''
        monitor.emit('error.occurred', () => ({
          type: level === logLevel.ERROR ? 'kafka.error' : 'kafka.warning',
          error: new KarafkaError('KAFKA_ERROR', `${namespace}: ${message}${detail}`),
        }))
      } else {
        monitor.emit('client.log', () => ({ namespace, message, fields }))
      }
    }
}
