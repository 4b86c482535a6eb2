/**
 * A connection to every member the cluster lists. A member that is also an inventory host is
 * reached through its own SSH connection and certificates; one that is not (added by hand, or
 * missing from the inventory) through the host the task runs on.
 */
import { RunbookError } from '../errors.js';
import type { ModuleContext } from '../modules/types.js';
import type { EtcdConnection } from './client.js';
import type { MemberInfo } from './cluster-info.js';
import { etcdConnection, etcdConnectionThrough, inventoryHostOfMember, inventoryMemberHosts, memberHost } from './context.js';

export interface MemberReach {
  member: MemberInfo;
  /** inventory host of the member, when it is one */
  host?: string;
  conn?: EtcdConnection;
  /** why there is no connection */
  error?: string;
}

export async function reachMembers(ctx: ModuleContext, members: readonly MemberInfo[], membersArg?: string | string[]): Promise<MemberReach[]> {
  let hosts: string[] = [];
  try {
    hosts = inventoryMemberHosts(ctx, membersArg);
  } catch (e) {
    // without an etcd group every member is reached through this host
    if (membersArg !== undefined) throw e;
  }
  return Promise.all(
    members.map(async (member): Promise<MemberReach> => {
      const host = inventoryHostOfMember(ctx, hosts, member);
      try {
        if (host !== undefined) return { member, host, conn: await etcdConnection(ctx, host) };
        const url = member.clientUrls[0];
        if (url === undefined) return { member, error: member.started ? 'member has no client URL' : 'member is unstarted' };
        return { member, conn: await etcdConnectionThrough(ctx, memberHost(ctx), url) };
      } catch (e) {
        // an unreachable SSH host is an unhealthy member here, not a failed run
        const message = e instanceof RunbookError || e instanceof Error ? e.message : String(e);
        return { member, host, error: message };
      }
    }),
  );
}
