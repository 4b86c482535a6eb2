import { z } from 'zod';
import type { Module, ModuleResult } from '../../modules/types.js';
import { DEFAULT_CALL_TIMEOUT_MS } from '../client.js';
import { checkHealth, listMembersForReport, type HealthResult } from '../cluster-info.js';
import { timeoutMs } from '../context.js';
import { reachMembers } from '../member-connections.js';
import { faultTolerance, quorumOf, wouldLoseQuorum } from '../quorum.js';
import { membersField, onThisMember, timeoutField } from './common.js';

const schema = z
  .object({
    cluster: z.boolean().default(false).describe('check every member the cluster lists, not only this one'),
    members: membersField,
    timeout: timeoutField,
  })
  .strict();

export type EtcdHealthArgs = z.infer<typeof schema>;

function line(name: string, h: HealthResult): string {
  return h.healthy
    ? `${h.url} (${name}) is healthy: linearizable read took ${h.tookMs} ms`
    : `${h.url} (${name}) is unhealthy: ${h.error}`;
}

/**
 * `etcdctl endpoint health`: healthy when a linearizable read succeeds (so there is a leader and
 * a quorum) and no alarm is raised. Fails when a checked member is unhealthy.
 */
export const etcdHealth: Module<EtcdHealthArgs> = {
  name: 'etcd_health',
  summary: 'check this member (or every member) answers a linearizable read and has no alarm',
  schema,
  readOnly: true,
  describe: (a) => (a.cluster ? 'etcd health of every member' : 'etcd health of this member'),
  factNames: () => ['etcd_healthy'],
  run: (ctx, raw) =>
    onThisMember(ctx, async (conn): Promise<ModuleResult> => {
      const a = schema.parse(raw);
      const ms = timeoutMs(ctx, a.timeout, DEFAULT_CALL_TIMEOUT_MS);
      if (!a.cluster) {
        const h = await checkHealth(conn, ms);
        return {
          changed: false,
          failed: !h.healthy,
          msg: line(ctx.transport.host, h),
          data: { healthy: h.healthy, endpoint: h.url, took_ms: h.tookMs, error: h.error },
          facts: { etcd_healthy: h.healthy },
        };
      }
      const { members } = await listMembersForReport(conn, ms);
      const reached = await reachMembers(ctx, members, a.members);
      const results = await Promise.all(
        reached.map(async (r) => {
          const h: HealthResult = r.conn
            ? await checkHealth(r.conn, ms)
            : { url: r.member.clientUrls[0] ?? '(no client URL)', healthy: false, tookMs: 0, error: r.error };
          return { member: r.member, host: r.host, h };
        }),
      );
      const voters = members.filter((m) => !m.isLearner);
      const healthyVoters = results.filter((r) => r.h.healthy && !r.member.isLearner).length;
      const quorum = quorumOf(voters.length);
      const allHealthy = results.every((r) => r.h.healthy);
      const rows = results.map((r) => ({
        id: r.member.id,
        name: r.member.name,
        host: r.host ?? null,
        endpoint: r.h.url,
        healthy: r.h.healthy,
        took_ms: r.h.tookMs,
        error: r.h.error ?? null,
      }));
      // who could be stopped now (for a rolling restart) without the cluster losing quorum
      const voterNames = voters.map((m) => m.name || m.id);
      const down = results.filter((r) => !r.h.healthy && !r.member.isLearner).map((r) => r.member.name || r.member.id);
      const safeToStop = results
        .filter((r) => r.h.healthy)
        .map((r) => r.member.name || r.member.id)
        .filter((name) => !wouldLoseQuorum(voterNames, [...down, name]));
      const lines = results.map((r) => line(r.member.name || r.member.id, r.h));
      lines.push(`${healthyVoters}/${voters.length} voting members healthy, quorum is ${quorum}`);
      return {
        changed: false,
        failed: !allHealthy,
        msg: lines.join('\n'),
        data: {
          healthy: allHealthy,
          members: rows,
          quorum,
          fault_tolerance: faultTolerance(voters.length),
          healthy_voters: healthyVoters,
          has_quorum: healthyVoters >= quorum,
          safe_to_stop: safeToStop,
        },
        facts: { etcd_healthy: allHealthy },
      };
    }),
};
