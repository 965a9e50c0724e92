import { defineConsumer } from '../generated/karafka.js'

// Issues an invoice for every completed order. The invoice goes to the same topic with the
// same customer key, so it always follows the order it bills.
export default defineConsumer('example', 'orders', async (messages, ctx) => {
  for (const message of messages) {
    if (message.event !== 'order_completed') continue
    const order = message.payload
    const invoice = await ctx.responders.orders.invoiceIssued({
      invoiceId: `inv-${order.orderId}`,
      customerId: order.customerId,
      orderId: order.orderId,
      amount: order.total,
      issuedAt: new Date().toISOString(),
    })
    ctx.logger.info(
      `Invoiced order ${order.orderId} of customer ${order.customerId}: ${order.total} (orders/${invoice.partition}@${invoice.offset})`,
    )
    ctx.markAsConsumed(message)
  }
})
