// One execution environment of a built bundle, as Lambda's Node.js runtime keeps one: the
// bundle is imported once (its init code runs once), then invocations come one at a time over
// IPC from the parent (karafka lambda serve) and each result goes back the same way. After an
// invocation, a marker line on stdout and on stderr tells the parent that the invocation's
// log lines are all through.
import { pathToFileURL } from 'node:url'

let loaded

process.on('message', async ({ bundle, event, deadline, functionName, requestId, marker }) => {
  const context = {
    functionName,
    awsRequestId: requestId,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  }
  let reply
  try {
    loaded ??= import(pathToFileURL(bundle).href)
    const module = await loaded.catch((error) => {
      loaded = undefined // an init that failed runs again on the next invocation, as Lambda starts a new environment
      throw error
    })
    if (typeof module.handler !== 'function')
      throw Object.assign(new Error(`${bundle} exports no handler`), { name: 'Runtime.HandlerNotFound' })
    reply = { ok: true, result: (await module.handler(event, context)) ?? null }
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error))
    reply = { ok: false, error: { errorType: e.name, errorMessage: e.message, trace: String(e.stack ?? '').split('\n') } }
  }
  process.stdout.write(`${marker}\n`)
  process.stderr.write(`${marker}\n`)
  process.send({ requestId, ...reply })
})
