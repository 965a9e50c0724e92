import { defineConsumer } from '../generated/karafka.js'

// The seed's UsersConsumer: log every event of the users topic.
export default defineConsumer('example', 'users', async (messages, ctx) => {
  for (const message of messages) {
    if (message.tombstone) {
      ctx.logger.info(`User ${message.key} deleted (tombstone)`)
      continue
    }
    ctx.logger.info(`New [${message.event}] event: ${JSON.stringify(message.payload)}`)
  }
})
