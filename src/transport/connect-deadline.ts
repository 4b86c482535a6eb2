/**
 * The connect timeout of one host, which must not count the time the operator spends typing a
 * key passphrase or password: prompts pause it.
 */
export class ConnectDeadline {
  private timer: NodeJS.Timeout | undefined;
  private remaining: number;
  private startedAt = 0;
  private pauses = 0;

  constructor(
    ms: number,
    private readonly onExpired: () => void,
  ) {
    this.remaining = ms;
    this.start();
  }

  pause = (): void => {
    if (this.pauses++ === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.remaining -= performance.now() - this.startedAt;
    }
  };

  resume = (): void => {
    if (--this.pauses === 0) this.start();
  };

  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.remaining = Infinity;
  }

  private start(): void {
    if (!Number.isFinite(this.remaining)) return;
    this.startedAt = performance.now();
    this.timer = setTimeout(this.onExpired, Math.max(0, this.remaining));
  }
}
