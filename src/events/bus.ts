import type { RunEvent } from './types.js';

export type Listener = (event: RunEvent) => void;

/**
 * The run's event stream. Listeners are called synchronously in registration order, so a
 * reporter sees events in the order they happened; a throwing listener cannot break the run.
 */
export class EventBus {
  private listeners: Listener[] = [];
  private redactors: Array<(e: RunEvent) => RunEvent> = [];

  on(listener: Listener): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** every event passes through these before any listener sees it (secrets, no_log) */
  addRedactor(fn: (e: RunEvent) => RunEvent): void {
    this.redactors.push(fn);
  }

  emit(event: RunEvent): void {
    let e: RunEvent = { ...event, time: event.time ?? new Date().toISOString() };
    for (const r of this.redactors) e = r(e);
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        process.stderr.write(`runbook: a reporter failed on ${e.type}: ${String(err)}\n`);
      }
    }
  }
}
