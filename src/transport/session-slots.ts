/**
 * Limits concurrent exec channels on one connection. sshd refuses sessions beyond its MaxSessions
 * (10 by default), so callers queue here instead of failing; when the server turns out to allow
 * fewer than configured, `shrink` lowers the limit to what it accepted.
 */
export class SessionSlots {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private limit: number) {}

  get inUse(): number {
    return this.active;
  }

  /** Wait for a slot; an abort while waiting gives up the place in the queue. */
  async acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal!.reason);
      };
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.waiting.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  release(): void {
    const next = this.active <= this.limit ? this.waiting.shift() : undefined;
    // the slot passes straight to the next waiter, so `active` stays as it is
    if (next) next();
    else this.active--;
  }

  /**
   * The server refused a session while `inUse - 1` others were open: that is its real limit,
   * less `reserve` sessions kept free for other uses.
   */
  shrink(reserve = 0): void {
    this.limit = Math.max(1, this.active - 1 - reserve);
  }
}
