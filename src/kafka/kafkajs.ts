// kafkajs, for every module of karafka-ts: its fixes and speed-ups are applied first (before-kafkajs.ts).
import './before-kafkajs.js'

export { default, Kafka, logLevel, Partitioners } from 'kafkajs'
