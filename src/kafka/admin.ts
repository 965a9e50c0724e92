import type { Admin, Kafka } from 'kafkajs'

/** Runs `fn` with a connected admin client, disconnecting it afterwards. */
export async function withAdmin<T>(kafka: Kafka, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    return await fn(admin)
  } finally {
    await admin.disconnect()
  }
}
