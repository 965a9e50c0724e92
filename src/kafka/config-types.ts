// kafkajs is CommonJS and Node cannot see ConfigResourceTypes as a named export; read it from the default export.
import kafkajs from './kafkajs.js'

/** kafkajs's ConfigResourceTypes.TOPIC. */
export const TOPIC_RESOURCE = kafkajs.ConfigResourceTypes.TOPIC
