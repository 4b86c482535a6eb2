import { z } from 'zod';
import type { Module, ModuleContext, ModuleResult } from '../../modules/types.js';
import { callOptions, DEFAULT_CALL_TIMEOUT_MS, type EtcdConnection } from '../client.js';
import { checkLinearizableRead, listMembers, memberStatus, type MemberInfo } from '../cluster-info.js';
import { hostConfig, inventoryMemberHosts, timeoutMs } from '../context.js';
import { memberIdToDecimal } from '../member-id.js';
import { reachMembers, type MemberReach } from '../member-connections.js';
import { findMember } from '../member-lookup.js';
import { failed, membersField, onThisMember, timeoutField } from './common.js';

const schema = z
  .object({
    to: z
      .string()
      .min(1)
      .optional()
      .describe('member to lead: a member name, hex id, or inventory host (default: any healthy follower, and only if this member leads)'),
    members: membersField,
    timeout: timeoutField,
  })
  .strict();

export type EtcdMoveLeaderArgs = z.infer<typeof schema>;

function resolveTarget(ctx: ModuleContext, members: MemberInfo[], to: string, membersArg?: string | string[]): MemberInfo | undefined {
  const direct = findMember(members, { name: to });
  if (direct) return direct;
  // an inventory host name: its etcd_name
  let hosts: string[] = [];
  try {
    hosts = inventoryMemberHosts(ctx, membersArg);
  } catch {
    return undefined;
  }
  if (!hosts.includes(to)) return undefined;
  const c = hostConfig(ctx, to);
  return members.find((m) => m.name === c.name || m.peerUrls.includes(c.peerUrl));
}

/**
 * `etcdctl move-leader`. Without `to`: move leadership away from this member if it leads (before
 * restarting or defragmenting it), to a healthy voting follower. With `to`: make that member
 * lead. The request goes to the current leader, found from this member's status.
 */
export const etcdMoveLeader: Module<EtcdMoveLeaderArgs> = {
  name: 'etcd_move_leader',
  summary: 'transfer leadership to a given member, or away from this member to a follower that answers',
  schema,
  readOnly: false,
  describe: (a) => (a.to !== undefined ? `etcd move-leader to ${a.to}` : 'etcd move-leader away from this member'),
  factNames: () => ['etcd_leader_id'],
  run: (ctx, args) =>
    onThisMember(ctx, async (conn): Promise<ModuleResult> => {
      const a = schema.parse(args);
      const ms = timeoutMs(ctx, a.timeout, DEFAULT_CALL_TIMEOUT_MS);
      const mine = await memberStatus(conn, ms);
      if (mine.leaderId === '') return failed(`${conn.url} sees no leader: the cluster has no quorum, leadership cannot be moved`);
      const { members } = await listMembers(conn, ms);
      const leader = members.find((m) => m.id === mine.leaderId);
      const nameOf = (m: MemberInfo | undefined, id: string) => (m?.name ? `${m.name} (${id})` : id);

      let target: MemberInfo | undefined;
      const reached = await reachMembers(ctx, members, a.members);
      if (a.to !== undefined) {
        target = resolveTarget(ctx, members, a.to, a.members);
        if (!target) return failed(`${a.to} is not a member (by name, id, or inventory host)`);
        if (target.isLearner) return failed(`${nameOf(target, target.id)} is a learner and cannot lead`);
        if (target.id === mine.leaderId) {
          return { changed: false, msg: `${nameOf(target, target.id)} already leads`, data: { leader_id: target.id, moved: false }, facts: { etcd_leader_id: target.id } };
        }
      } else {
        if (!mine.isLeader) {
          return {
            changed: false,
            msg: `this member does not lead (leader is ${nameOf(leader, mine.leaderId)}): nothing to move`,
            data: { leader_id: mine.leaderId, moved: false },
            facts: { etcd_leader_id: mine.leaderId },
          };
        }
        if (!members.some((m) => m.id !== mine.leaderId && !m.isLearner)) {
          return {
            changed: false,
            msg: 'this member is the only voting member: there is no one to hand leadership to',
            data: { leader_id: mine.leaderId, moved: false },
            facts: { etcd_leader_id: mine.leaderId },
          };
        }
        target = await pickHealthyFollower(reached, mine.leaderId, ms);
        if (!target) return failed('no voting follower answers reads: none can take over leadership');
      }

      if (ctx.check) {
        return { changed: true, msg: `would move leadership from ${nameOf(leader, mine.leaderId)} to ${nameOf(target, target.id)}`, data: { from: mine.leaderId, to: target.id } };
      }
      const leaderConn = mine.isLeader ? conn : reached.find((r) => r.member.id === mine.leaderId)?.conn;
      if (!leaderConn) return failed(`cannot reach the leader ${nameOf(leader, mine.leaderId)} to ask it to step down`);
      await leaderConn.client.maintenance.moveLeader({ targetID: memberIdToDecimal(target.id) }, callOptions(ms));
      const now = await waitForLeader(leaderConn, target.id, ms);
      return {
        changed: true,
        failed: now !== target.id,
        msg:
          now === target.id
            ? `leadership moved from ${nameOf(leader, mine.leaderId)} to ${nameOf(target, target.id)}`
            : `asked ${nameOf(leader, mine.leaderId)} to hand over to ${target.id}, but the leader is now ${now || 'none'}`,
        data: { from: mine.leaderId, to: target.id, leader_id: now, moved: now === target.id },
        facts: { etcd_leader_id: now },
      };
    }),
};

async function pickHealthyFollower(reached: MemberReach[], leaderId: string, ms: number): Promise<MemberInfo | undefined> {
  for (const r of reached) {
    if (r.member.id === leaderId || r.member.isLearner || !r.member.started || !r.conn) continue;
    // alarms do not disqualify: under NOSPACE every member has one, and leadership must still move
    const h = await checkLinearizableRead(r.conn, ms);
    if (h.healthy) return r.member;
  }
  return undefined;
}

/** MoveLeader returns once the transfer is under way; the old leader's status shows the outcome */
async function waitForLeader(conn: EtcdConnection, targetId: string, ms: number): Promise<string> {
  const until = Date.now() + Math.max(ms, 5000);
  let last = '';
  while (Date.now() < until) {
    try {
      last = (await memberStatus(conn, ms)).leaderId;
      if (last === targetId) return last;
    } catch {
      // an election in progress: ask again
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return last;
}
