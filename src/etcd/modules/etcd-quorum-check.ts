import { z } from 'zod';
import type { Module, ModuleContext, ModuleResult } from '../../modules/types.js';
import { DEFAULT_CALL_TIMEOUT_MS } from '../client.js';
import { checkLinearizableRead, listMembers, memberStatus, type MemberInfo } from '../cluster-info.js';
import { hostConfig, inventoryMemberHosts, timeoutMs } from '../context.js';
import { reachMembers } from '../member-connections.js';
import { findMember } from '../member-lookup.js';
import { quorumOf } from '../quorum.js';
import { failed, membersField, onThisMember, timeoutField } from './common.js';

const schema = z
  .object({
    without: z
      .union([z.string(), z.array(z.string())])
      .default([])
      .describe('members about to be stopped or removed: inventory hosts, member names, hex ids or peer URLs'),
    require: z
      .enum(['all', 'quorum'])
      .default('all')
      .describe('all (default): every other member must be healthy; quorum: enough of them for a quorum'),
    members: membersField,
    timeout: timeoutField,
  })
  .strict();

export type EtcdQuorumCheckArgs = z.infer<typeof schema>;

export interface QuorumVerdict {
  ok: boolean;
  problems: string[];
  voters: number;
  quorum: number;
  votersAfterRemoval: number;
  quorumAfterRemoval: number;
  healthyOtherVoters: number;
}

export interface CheckedMember {
  member: MemberInfo;
  excluded: boolean;
  healthy: boolean;
  error?: string;
}

/**
 * The rule, pure: with the excluded members down, the healthy others must still be a quorum of
 * today's voters (while they are down but still members) and of the voters left once they are
 * removed; with `require: all`, every other member must be healthy too.
 */
export function judgeQuorum(checked: readonly CheckedMember[], require: 'all' | 'quorum'): QuorumVerdict {
  const name = (m: MemberInfo) => m.name || m.id;
  const voters = checked.filter((c) => !c.member.isLearner);
  const others = checked.filter((c) => !c.excluded);
  const otherVoters = voters.filter((c) => !c.excluded);
  const healthyOtherVoters = otherVoters.filter((c) => c.healthy).length;
  const quorum = quorumOf(voters.length);
  const quorumAfterRemoval = quorumOf(otherVoters.length);
  const problems: string[] = [];
  const down = others.filter((c) => !c.healthy);
  if (otherVoters.length === 0) problems.push('no voting member would be left');
  if (require === 'all') for (const c of down) problems.push(`${name(c.member)} is not healthy: ${c.error ?? 'no answer'}`);
  const excluded = checked.filter((c) => c.excluded).map((c) => name(c.member));
  if (otherVoters.length > 0 && healthyOtherVoters < Math.max(quorum, quorumAfterRemoval)) {
    problems.push(
      `only ${healthyOtherVoters} of ${voters.length} voting members would be up${excluded.length ? ` without ${excluded.join(', ')}` : ''}; a quorum is ${quorum}: the cluster would stop`,
    );
  }
  return {
    ok: problems.length === 0,
    problems,
    voters: voters.length,
    quorum,
    votersAfterRemoval: otherVoters.length,
    quorumAfterRemoval,
    healthyOtherVoters,
  };
}

/** an entry of `without`: an inventory host is looked up by its etcd_name, then its peer URL */
function resolveExcluded(ctx: ModuleContext, members: readonly MemberInfo[], ref: string, hosts: readonly string[]): MemberInfo | undefined {
  if (hosts.includes(ref)) {
    const c = hostConfig(ctx, ref);
    return members.find((m) => m.name === c.name) ?? members.find((m) => m.peerUrls.includes(c.peerUrl));
  }
  if (/^[a-z]+:\/\//i.test(ref)) return findMember(members, { peer_url: ref });
  return findMember(members, { name: ref });
}

/**
 * Before stopping or removing members: through this member, list the cluster (a linearizable
 * read, so it is the cluster's real list), check every other member answers a linearizable read
 * and belongs to the same cluster, and that the healthy ones keep a quorum without the excluded
 * members. Read-only; fails with what is wrong, so a runbook's preflight refuses in time.
 */
export const etcdQuorumCheck: Module<EtcdQuorumCheckArgs> = {
  name: 'etcd_quorum_check',
  summary: 'check the cluster stays healthy and keeps a quorum without the given members (before stopping or removing them)',
  schema,
  readOnly: true,
  describe: (a) => {
    const w = Array.isArray(a.without) ? a.without : [a.without];
    return w.length && w[0] !== undefined && w[0] !== '' ? `check the etcd cluster keeps a quorum without ${w.join(', ')}` : 'check every etcd member is healthy';
  },
  run: (ctx, args) =>
    onThisMember(ctx, async (conn): Promise<ModuleResult> => {
      const a = schema.parse(args);
      const ms = timeoutMs(ctx, a.timeout, DEFAULT_CALL_TIMEOUT_MS);
      const refs = (Array.isArray(a.without) ? a.without : [a.without]).map((s) => s.trim()).filter(Boolean);
      const mine = await memberStatus(conn, ms);
      const { clusterId, members } = await listMembers(conn, ms);
      let hosts: string[] = [];
      try {
        hosts = inventoryMemberHosts(ctx, a.members);
      } catch (e) {
        if (a.members !== undefined) throw e;
      }
      const excludedIds = new Set<string>();
      const notMembers: string[] = [];
      for (const ref of refs) {
        const m = resolveExcluded(ctx, members, ref, hosts);
        if (m) excludedIds.add(m.id);
        else notMembers.push(ref);
      }
      const reached = await reachMembers(ctx, members, a.members);
      const checked = await Promise.all(
        reached.map(async (r): Promise<CheckedMember & { host?: string; clusterId?: string }> => {
          const excluded = excludedIds.has(r.member.id);
          const base = { member: r.member, excluded, host: r.host };
          if (excluded) return { ...base, healthy: false, error: 'excluded' };
          if (!r.member.started) return { ...base, healthy: false, error: 'unstarted (added but never joined)' };
          if (!r.conn) return { ...base, healthy: false, error: r.error };
          try {
            const s = await memberStatus(r.conn, ms);
            if (s.clusterId !== clusterId) {
              return { ...base, healthy: false, clusterId: s.clusterId, error: `answers for cluster ${s.clusterId}, not ${clusterId} (cluster ID mismatch)` };
            }
            if (s.memberId !== r.member.id) {
              return { ...base, healthy: false, clusterId: s.clusterId, error: `${r.conn.url} is member ${s.memberId}, not ${r.member.id}` };
            }
            const h = await checkLinearizableRead(r.conn, ms);
            return { ...base, healthy: h.healthy, error: h.error, clusterId: s.clusterId };
          } catch (e) {
            return { ...base, healthy: false, error: (e as Error).message };
          }
        }),
      );
      const verdict = judgeQuorum(checked, a.require);
      const leader = members.find((m) => m.id === mine.leaderId);
      const rows = checked.map((c) => ({
        id: c.member.id,
        name: c.member.name,
        host: c.host ?? null,
        peer_urls: c.member.peerUrls,
        is_learner: c.member.isLearner,
        started: c.member.started,
        excluded: c.excluded,
        healthy: c.excluded ? null : c.healthy,
        error: c.excluded ? null : (c.error ?? null),
      }));
      const excludedRows = rows.filter((r) => r.excluded);
      const data = {
        cluster_id: clusterId,
        leader_id: mine.leaderId,
        leader_name: leader?.name ?? '',
        leader_excluded: excludedIds.has(mine.leaderId),
        members: rows,
        excluded: excludedRows,
        not_members: notMembers,
        voters: verdict.voters,
        quorum: verdict.quorum,
        voters_after_removal: verdict.votersAfterRemoval,
        quorum_after_removal: verdict.quorumAfterRemoval,
        healthy_other_voters: verdict.healthyOtherVoters,
        keeps_quorum: verdict.ok,
        problems: verdict.problems,
      };
      const without = excludedRows.map((r) => r.name || r.id).concat(notMembers.map((n) => `${n} (not a member)`));
      const head = without.length ? `without ${without.join(', ')}: ` : '';
      if (!verdict.ok) return failed(`${head}${verdict.problems.join('; ')}`, data);
      return {
        changed: false,
        msg: `${head}${verdict.healthyOtherVoters} healthy voting members of ${verdict.voters}, quorum ${verdict.quorum} (${verdict.quorumAfterRemoval} after removal); cluster ${clusterId}, leader ${leader?.name || mine.leaderId || 'none'}`,
        data,
      };
    }),
};
