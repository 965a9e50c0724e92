// Evaluated before kafkajs loads: src/kafka/kafkajs.ts imports this first, and every module of
// karafka-ts takes kafkajs from there. kafkajs's modules take each other once, when they load,
// so its record decoder and fetch batch can only be swapped for faster ones before that.
import { speedUpRecordDecoding, useFasterRecordModules } from './record-decoding.js'
import { fixRequestQueue } from './request-queue-fix.js'

fixRequestQueue()
speedUpRecordDecoding()
useFasterRecordModules()
