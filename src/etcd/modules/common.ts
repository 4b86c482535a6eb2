/**
 * Pieces every etcd module shares: argument fields, failure results, and turning an etcd
 * client error into a failed result that says which member and what to do.
 */
import { z } from 'zod';
import { RunbookError } from '../../errors.js';
import type { ModuleContext, ModuleResult } from '../../modules/types.js';
import { etcdConnection, hostConfig, memberHost } from '../context.js';
import { describeEtcdError } from '../etcd-errors.js';
import type { EtcdConnection } from '../client.js';
import { EtcdTlsFileError } from '../tls-files.js';

export const timeoutField = z
  .number()
  .positive()
  .optional()
  .describe('seconds to wait for each etcd call (default: the task timeout, else 15)');

export const settleField = z
  .number()
  .nonnegative()
  .default(15)
  .describe('seconds to keep retrying while etcd refuses the change as "unhealthy cluster" (just after a leader change or restart)');

export const membersField = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .describe('the inventory hosts that are the cluster: a group, "a,b,c" or a list (default: group etcd)');

export function failed(msg: string, data?: Record<string, unknown>): ModuleResult {
  return { changed: false, failed: true, msg, data };
}

/**
 * Run `fn` against a member; an etcd or forwarding error becomes a failed result naming the
 * member. Errors of the run itself (lost SSH connection, bad inventory) still propagate.
 */
export async function withMember(
  connect: () => Promise<EtcdConnection>,
  fn: (conn: EtcdConnection) => Promise<ModuleResult>,
  where: { url: string; via: string },
): Promise<ModuleResult> {
  let conn: EtcdConnection | undefined;
  try {
    conn = await connect();
    return await fn(conn);
  } catch (e) {
    if (e instanceof RunbookError) throw e;
    if (e instanceof EtcdTlsFileError) return failed(e.message);
    // gRPC only says "unavailable"; the SSH channel's own error says why
    const forward = conn?.forwardError();
    return failed(describeEtcdError(e, conn?.url ?? where.url, conn?.via ?? where.via) + (forward ? `; forwarding: ${forward}` : ''));
  }
}

export function humanBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** run `fn` against the member on the host this task is connected to */
export function onThisMember(ctx: ModuleContext, fn: (conn: EtcdConnection) => Promise<ModuleResult>): Promise<ModuleResult> {
  const via = memberHost(ctx);
  let url = '(etcd_client_url)';
  try {
    url = hostConfig(ctx, via).clientUrl;
  } catch {
    // the connection attempt reports the bad variable itself
  }
  return withMember(() => etcdConnection(ctx, via), fn, { url, via });
}

/** options for retryWhileSettling from a module's `settle` argument */
export function settle(ctx: ModuleContext, seconds: number): { settleMs: number; signal: AbortSignal; onRetry: (m: string) => void } {
  return { settleMs: seconds * 1000, signal: ctx.signal, onRetry: (m) => ctx.log(`${m}: retrying`) };
}
