/**
 * What an etcd module needs from the task context: which member it talks to, that member's
 * settings, the cluster's members from the inventory, and cached clients.
 *
 * The member a module talks to is the host it is connected to (`ctx.transport.host`), so
 * `delegate_to: etcd1` sends a cluster-wide call such as member remove through a healthy member.
 */
import { ConfigError, RunbookError } from '../errors.js';
import type { ModuleContext } from '../modules/types.js';
import type { Transport } from '../transport/types.js';
import { etcdConnectionVia, type EtcdConnection } from './client.js';
import { etcdHostConfig, type EtcdHostConfig } from './host-config.js';

/** inventory name of the member this task talks to */
export function memberHost(ctx: ModuleContext): string {
  return ctx.transport.host;
}

export function hostVars(ctx: ModuleContext, host: string): Record<string, unknown> {
  return host === ctx.host ? ctx.vars : ctx.hostVarsOf(host);
}

/** throws ConfigError for a bad etcd_* variable: an inventory mistake, not a failed step */
export function hostConfig(ctx: ModuleContext, host: string = memberHost(ctx)): EtcdHostConfig {
  try {
    return etcdHostConfig(host, hostVars(ctx, host));
  } catch (e) {
    throw new ConfigError({ message: (e as Error).message, hint: 'see docs/etcd.md for the etcd_* inventory variables' });
  }
}

export async function transportOf(ctx: ModuleContext, host: string): Promise<Transport> {
  return host === ctx.transport.host ? ctx.transport : ctx.transportFor(host);
}

/** the member on `host`, at its etcd_client_url, over that host's own SSH connection */
export async function etcdConnection(ctx: ModuleContext, host: string = memberHost(ctx)): Promise<EtcdConnection> {
  const config = hostConfig(ctx, host);
  const transport = await transportOf(ctx, host);
  return etcdConnectionVia(transport, config, ctx.become, config.clientUrl, forwardLog(ctx));
}

/** the member at `url`, reached through `via`'s SSH connection with `via`'s certificates */
export async function etcdConnectionThrough(ctx: ModuleContext, via: string, url: string): Promise<EtcdConnection> {
  const transport = await transportOf(ctx, via);
  return etcdConnectionVia(transport, hostConfig(ctx, via), ctx.become, url, forwardLog(ctx));
}

/**
 * A forward refused ("Channel open failure: connection refused") is what a member that is down
 * says, often on purpose (stopped for a restore, restarting): detail for -v, not noise in a
 * good run. A failed call still says it, with the forward's error, in its own message.
 */
function forwardLog(ctx: ModuleContext): (line: string) => void {
  return (l) => (ctx.debug ?? ctx.log)(l);
}

function asHostList(v: unknown): string[] | undefined {
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  return undefined;
}

/**
 * The inventory hosts that are the cluster's members: `members` as a list of hosts, a group
 * name, or `a,b,c`; by default the `etcd` group, else the play's hosts.
 */
export function inventoryMemberHosts(ctx: ModuleContext, members?: string | string[]): string[] {
  const groups = (ctx.vars.groups ?? {}) as Record<string, unknown>;
  if (Array.isArray(members)) return members;
  if (typeof members === 'string') {
    const group = asHostList(groups[members]);
    if (group) return group;
    const list = members.split(',').map((s) => s.trim()).filter(Boolean);
    const known = asHostList(groups.all);
    const unknown = known ? list.filter((h) => !known.includes(h)) : [];
    if (unknown.length > 0) throw new MembersError(`members: ${unknown.join(', ')} is neither a group nor a host of the inventory`);
    return list;
  }
  const fromGroup = asHostList(groups.etcd);
  if (fromGroup && fromGroup.length > 0) return fromGroup;
  for (const key of ['ansible_play_hosts_all', 'ansible_play_hosts', 'play_hosts']) {
    const hosts = asHostList(ctx.vars[key]);
    if (hosts && hosts.length > 0) return hosts;
  }
  throw new MembersError('cannot tell the cluster members: there is no etcd group in the inventory; pass members: GROUP or a list of hosts');
}

export class MembersError extends RunbookError {
  readonly exitCode = 2;
}

/** inventory host whose etcd_name or etcd_client_url matches an API member */
export function inventoryHostOfMember(
  ctx: ModuleContext,
  hosts: readonly string[],
  member: { name: string; clientUrls: readonly string[]; peerUrls: readonly string[] },
): string | undefined {
  for (const h of hosts) {
    let c: EtcdHostConfig;
    try {
      c = hostConfig(ctx, h);
    } catch {
      continue;
    }
    if (member.name !== '' && c.name === member.name) return h;
    if (member.peerUrls.includes(c.peerUrl) || member.clientUrls.includes(c.clientUrl)) return h;
  }
  return undefined;
}

/** the per-call deadline: the module's `timeout` (seconds), else the task's, else the default */
export function timeoutMs(ctx: ModuleContext, seconds: number | undefined, fallbackMs: number): number {
  if (seconds !== undefined) return seconds * 1000;
  return ctx.timeoutMs ?? fallbackMs;
}
