import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO = fileURLToPath(new URL('../../', import.meta.url))

/**
 * A throwaway app project inside the repository (under .tmp/, git-ignored), so that its
 * generated code resolves `karafka-ts` and zod exactly as a user's project does.
 */
export function tempProject(files: Record<string, string>): { dir: string; write(file: string, text: string): string; remove(): void } {
  mkdirSync(path.join(REPO, '.tmp'), { recursive: true })
  const dir = mkdtempSync(path.join(REPO, '.tmp', 'app-'))
  const write = (file: string, text: string) => {
    const target = path.join(dir, file)
    mkdirSync(path.dirname(target), { recursive: true })
    writeFileSync(target, text)
    return target
  }
  for (const [file, text] of Object.entries(files)) write(file, text)
  return { dir, write, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** A manifest exercising every codegen feature: nested objects, arrays, enums, optionals, refs, lambda. */
export const CODEGEN_MANIFEST = `app:
  clientId: shop
  brokers: \${KAFKA_BROKERS:-127.0.0.1:9092}
lambda:
  region: us-east-1
  functionPrefix: shop-
topics:
  users:
    partitions: 3
    key: id
    events:
      user_created: { id: integer, email: string, name?: string }
      user_deleted: { id: integer }
  carts:
    key: customer.id
    events:
      cart_opened:
        customer: { id: string, tier: "enum(free,gold)" }
        lines: [{ sku: string, qty: integer, note?: string }]
        tags: string[]
        openedAt: timestamp
        meta?: json
  invoices:
    key: customerId
    events:
      invoice_issued: ./schemas/invoice.ts#InvoiceIssued
consumerGroups:
  example:
    topics:
      users: { handler: handlers/users.ts }
      carts: { handler: handlers/carts.ts, backend: lambda }
  billing:
    topics:
      invoices: { handler: handlers/invoices.ts }
`

export const INVOICE_SCHEMA = `import { z } from 'zod'

export const InvoiceIssued = z.object({ invoiceId: z.string(), customerId: z.string(), amount: z.number() })
`
