import type { RouteSettings } from '../manifest/types.js'
import type { Message } from './types.js'

export type VirtualPartitioning = NonNullable<RouteSettings['virtualPartitions']>

/**
 * The virtual partition of a message under `consistent` distribution: a stable hash (32-bit FNV-1a of the UTF-8 bytes) of
 * its key, or of the value at the `by` path of its payload, modulo `max`. A message without
 * that value (a null key, a missing path, a tombstone's payload) goes to virtual partition
 * 0, so such messages keep their order among themselves. `by` naming the topic's own key
 * path reads the record key, which is the same value and is set on tombstones too.
 */
export function virtualPartitionOf(message: Message, settings: VirtualPartitioning, topicKey?: string): number {
  const value = spreadValue(message, settings, topicKey)
  return value === null ? 0 : stableHash(value) % settings.max
}

/**
 * Spreads one partition's messages (in offset order) over its virtual partitions, each in
 * offset order; empty ones are left out. Every message with one value goes to one virtual
 * partition. `consistent`: by the stable hash of the value, the same on every window and run.
 * `balanced`: the values of this window, most messages first, each to the virtual partition
 * with the fewest messages so far (messages without the value all to 0), so that none of them
 * waits long for the busiest; a value may land elsewhere in the next window.
 */
export function splitVirtual(
  messages: readonly Message[],
  settings: VirtualPartitioning,
  topicKey?: string,
): { virtualPartition: number; messages: Message[] }[] {
  const values = messages.map((message) => spreadValue(message, settings, topicKey))
  const target = settings.distribution === 'balanced' ? balance(values, settings.max) : undefined
  const groups = new Map<number, Message[]>()
  for (const [i, message] of messages.entries()) {
    const value = values[i]!
    const index = target ? target.get(value)! : value === null ? 0 : stableHash(value) % settings.max
    const group = groups.get(index)
    if (group) group.push(message)
    else groups.set(index, [message])
  }
  return [...groups].sort(([a], [b]) => a - b).map(([virtualPartition, group]) => ({ virtualPartition, messages: group }))
}

/** Values with the most messages first, each to the least loaded virtual partition; the messages without the value to 0. */
function balance(values: readonly (string | null)[], max: number): Map<string | null, number> {
  const counts = new Map<string | null, number>()
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1)
  const load = new Array<number>(max).fill(0)
  const target = new Map<string | null, number>()
  if (counts.has(null)) {
    target.set(null, 0)
    load[0] = counts.get(null)!
  }
  const largestFirst = [...counts].filter(([value]) => value !== null).sort((a, b) => b[1] - a[1])
  for (const [value, count] of largestFirst) {
    let least = 0
    for (let i = 1; i < max; i++) if (load[i]! < load[least]!) least = i
    target.set(value, least)
    load[least]! += count
  }
  return target
}

/** The value a message is spread by: its record key, or the value at the `by` path of its payload (null when it has none). */
function spreadValue(message: Message, settings: VirtualPartitioning, topicKey?: string): string | null {
  return settings.by === 'key' || settings.by === topicKey ? message.key : valueAt(message.payload, settings.by)
}

/**
 * How far a window of one partition is done while its virtual partitions run at once: up to
 * the last offset before the lowest one not done. Offsets after it may be done too; they are
 * not committed until everything before them is.
 */
export class WindowProgress {
  private readonly done = new Set<string>()
  private cursor = 0

  constructor(private readonly offsets: readonly string[]) {}

  /** Records handled messages; returns whether the offset done up to moved. */
  add(offsets: Iterable<string>): boolean {
    for (const offset of offsets) this.done.add(offset)
    const before = this.cursor
    while (this.cursor < this.offsets.length && this.done.has(this.offsets[this.cursor]!)) this.cursor++
    return this.cursor > before
  }

  has(offset: string): boolean {
    return this.done.has(offset)
  }

  /** The last offset before the lowest one not done (undefined when even the first is not done). */
  get upTo(): string | undefined {
    return this.cursor === 0 ? undefined : this.offsets[this.cursor - 1]
  }

  /** The lowest offset not done, if any. */
  get firstNotDone(): string | undefined {
    return this.offsets[this.cursor]
  }

  /** Done offsets after the lowest one not done. */
  doneAfter(): Set<string> {
    return new Set(this.offsets.slice(this.cursor).filter((offset) => this.done.has(offset)))
  }
}

/** 32-bit FNV-1a of the UTF-8 bytes of `text`: the same number on every run and machine. */
export function stableHash(text: string): number {
  let hash = 0x811c9dc5
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash
}

function valueAt(payload: unknown, path: string): string | null {
  let value: unknown = payload
  for (const segment of path.split('.')) {
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[segment] : undefined
  }
  if (value === undefined || value === null) return null
  return typeof value === 'object' ? JSON.stringify(value) : String(value)
}

/**
 * A window whose virtual partitions did not all succeed: it is retried collapsed, in offset
 * order, up to `until`, leaving out what was `done`. `failures` counts the failed messages the
 * first failure's retry does not track: each begins a chunk, and its attempts go on from there.
 */
export interface CollapsedWindow {
  until: string
  done: ReadonlySet<string>
  failures: ReadonlyMap<string, { failures: number; error: Error }>
}

/** The collapsed windows of the partitions a runner holds, as Karafka collapses a failed virtual-partition batch. */
export class CollapsedWindows {
  private readonly windows = new Map<string, CollapsedWindow>()

  /** The collapsed window of partition `key` that `offset` falls in, if any. */
  at(key: string, offset: string): CollapsedWindow | undefined {
    const window = this.windows.get(key)
    if (window && BigInt(offset) <= BigInt(window.until)) return window
    if (window) this.windows.delete(key) // the partition got past it
    return undefined
  }

  set(key: string, window: CollapsedWindow): void {
    this.windows.set(key, window)
  }

  /** Forgets partitions that are no longer ours. */
  retain(keys: Set<string>): void {
    for (const key of this.windows.keys()) if (!keys.has(key)) this.windows.delete(key)
  }
}
