import { EVENT_NAMES, type EventName, type EventPayloads } from './events.js'

export type Listener<E extends EventName> = (payload: EventPayloads[E], event: E) => void

/**
 * The instrumentation bus. Runtime code emits here instead of logging; the logger is one
 * listener. Emitting an event nobody listens to costs a map lookup, and payloads can be
 * built lazily. A listener that throws is reported as `error.occurred` (type
 * `listener.error`) and never breaks processing.
 */
export class Monitor {
  private readonly listeners = new Map<EventName, Listener<never>[]>()

  /** Subscribes to one event, or to every event with '*'; returns the unsubscribe function. */
  subscribe<E extends EventName>(event: E | '*', listener: Listener<E>): () => void {
    const names: readonly EventName[] = event === '*' ? EVENT_NAMES : [event]
    const entry = listener as Listener<never>
    for (const name of names) this.listeners.set(name, [...(this.listeners.get(name) ?? []), entry])
    return () => {
      for (const name of names)
        this.listeners.set(
          name,
          (this.listeners.get(name) ?? []).filter((l) => l !== entry),
        )
    }
  }

  /** True when someone listens to `event`. */
  listens(event: EventName): boolean {
    return (this.listeners.get(event)?.length ?? 0) > 0
  }

  /** Emits `event`; `payload` may be a function, called only when someone listens. */
  emit<E extends EventName>(event: E, payload: EventPayloads[E] | (() => EventPayloads[E])): void {
    const listeners = this.listeners.get(event)
    if (!listeners || listeners.length === 0) return
    const value = typeof payload === 'function' ? (payload as () => EventPayloads[E])() : payload
    for (const listener of listeners) {
      try {
        ;(listener as Listener<E>)(value, event)
      } catch (error) {
        if (event !== 'error.occurred') this.emit('error.occurred', { type: 'listener.error', error: error as Error })
      }
    }
  }
}
