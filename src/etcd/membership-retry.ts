/**
 * etcd answers a membership change with "unhealthy cluster" until its leader has been connected
 * to every voting member for 5 seconds, which is always the case for a moment after a leader
 * change or a restart: exactly when runbooks change membership. Such a refusal is retried for a
 * short while; any other error, and a refusal that lasts, is reported.
 */
const TRANSIENT = /unhealthy cluster/i;

export async function retryWhileSettling<T>(
  call: () => Promise<T>,
  opts: { settleMs: number; signal?: AbortSignal; onRetry?: (message: string) => void },
): Promise<T> {
  const deadline = Date.now() + opts.settleMs;
  for (;;) {
    try {
      return await call();
    } catch (e) {
      const message = (e as Error).message ?? String(e);
      if (!TRANSIENT.test(message) || Date.now() + 1000 > deadline || opts.signal?.aborted) throw e;
      opts.onRetry?.(message);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
