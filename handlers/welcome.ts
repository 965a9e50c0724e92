import { defineConsumer } from '../generated/karafka.js'

// Runs as a Lambda function that AWS's Kafka event source mapping polls (poller: aws in karafka.yml).
export default defineConsumer('example_mailer', 'users', async (messages, ctx) => {
  for (const message of messages) {
    if (message.event === 'user_created') ctx.logger.info(`welcome mail to ${message.payload.email}`)
  }
})
