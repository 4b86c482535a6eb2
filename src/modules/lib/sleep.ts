import { setTimeout as delay } from 'node:timers/promises';

/** Wait, but stop at once when the run is aborted (Ctrl-C, another host failed). */
export async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) {
    signal.throwIfAborted();
    return;
  }
  try {
    await delay(ms, undefined, { signal });
  } catch (err) {
    // report why the run stopped, not the timer's AbortError
    if (signal.aborted) throw signal.reason ?? err;
    throw err;
  }
}
