// What the payload checks that codegen compiles from the manifest's field types call. A check
// answers one question about a payload that JSON.parse made: is it valid exactly as it stands,
// so that its event's zod schema would accept it and give back the same fields? When it says
// yes the poller hands the payload over without running zod; when it says no (invalid, or with
// fields zod would strip, or anything unusual) zod decides and explains. A check may say no
// to a valid payload, never yes to one zod would refuse or change.
import { z } from 'zod'

/** The pattern of the manifest's `timestamp` type, the one `z.iso.datetime({ offset: true })` tests. */
const DATETIME = z.regexes.datetime({ offset: true })

/** A plain object whose own keys are all among `keys` (zod's objects strip the others, so those go through zod). */
function record(value: unknown, keys: readonly string[]): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  for (const key in value) if (key === '__proto__' || !keys.includes(key)) return false
  return true
}

/** `z.int()`: a number between Number.MIN_SAFE_INTEGER and MAX_SAFE_INTEGER with no fraction. */
function int(value: unknown): boolean {
  return Number.isSafeInteger(value)
}

/** `z.number()`: finite (JSON.parse makes Infinity of 1e400). */
function number(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value)
}

/** `z.iso.datetime({ offset: true })`. */
function timestamp(value: unknown): boolean {
  return typeof value === 'string' && DATETIME.test(value)
}

/** `z.json()`: strings, finite numbers, booleans, null, and arrays and objects of them. */
function json(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true
  if (typeof value === 'number') return Number.isFinite(value)
  if (Array.isArray(value)) return value.every(json)
  if (typeof value !== 'object') return false
  for (const key in value) if (key === '__proto__' || !json((value as Record<string, unknown>)[key])) return false
  return true
}

/** The building blocks of generated payload checks. */
export const payloadChecks = { record, int, number, timestamp, json } as const
