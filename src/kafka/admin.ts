import type { Admin, Kafka } from 'kafkajs'

/** Runs `fn` with a connected admin client, disconnecting it afterwards (also when it could not connect). */
export async function withAdmin<T>(kafka: Kafka, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin()
  try {
    await admin.connect()
    return await fn(admin)
  } finally {
    await admin.disconnect().catch(() => {}) // also after a failed connect; its error is the one to report
  }
}
