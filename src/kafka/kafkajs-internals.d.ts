// kafkajs internals that karafka-ts patches (see request-queue-fix.ts); kafkajs ships no types for them.
declare module 'kafkajs/src/network/requestQueue/index.js' {
  const RequestQueue: { prototype: object }
  export default RequestQueue
}
