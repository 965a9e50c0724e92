// Runs one Lambda invocation of a built bundle, as Lambda's Node.js runtime would, and
// reports the result to the parent (karafka lambda serve) over IPC.
import { pathToFileURL } from 'node:url'

process.once('message', async ({ bundle, event, deadline, functionName, requestId }) => {
  const context = {
    functionName,
    awsRequestId: requestId,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  }
  let reply
  try {
    const module = await import(pathToFileURL(bundle).href)
    if (typeof module.handler !== 'function')
      throw Object.assign(new Error(`${bundle} exports no handler`), { name: 'Runtime.HandlerNotFound' })
    reply = { ok: true, result: (await module.handler(event, context)) ?? null }
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error))
    reply = { ok: false, error: { errorType: e.name, errorMessage: e.message, trace: String(e.stack ?? '').split('\n') } }
  }
  process.send(reply, () => process.exit(0))
})
