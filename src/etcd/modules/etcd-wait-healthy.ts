import { z } from 'zod';
import type { Module, ModuleContext, ModuleResult } from '../../modules/types.js';
import { checkHealth, listMembersForReport, memberStatus } from '../cluster-info.js';
import { judgeConvergence, type Convergence, type MemberObservation } from '../cluster-convergence.js';
import { inventoryMemberHosts } from '../context.js';
import { reachMembers } from '../member-connections.js';
import { failed, membersField, onThisMember } from './common.js';
import { memberGone } from '../member-process.js';
import type { EtcdConnection } from '../client.js';

const schema = z
  .object({
    timeout: z.number().positive().default(120).describe('seconds to wait in all'),
    interval: z.number().positive().default(2).describe('seconds between checks'),
    revision_tolerance: z.number().int().nonnegative().default(10).describe('largest revision difference between members still counted as in sync'),
    raft_index_tolerance: z.number().int().nonnegative().default(50).describe('largest raft index difference between members still counted as in sync'),
    expected_members: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('how many members the cluster must have (default: the number of inventory members)'),
    members: membersField,
  })
  .strict();

export type EtcdWaitHealthyArgs = z.infer<typeof schema>;

const CALL_MS = 5_000;
/** at most one progress line this often */
const PROGRESS_MS = 5_000;

function progressLine(last: { verdict?: Convergence; error?: string; obs?: Observation[] }): string {
  if (!last.obs) return last.error ?? 'no answer';
  const states = last.obs.map((o) => `${o.host ?? (o.name || o.id)} ${o.healthy ? 'healthy' : `down (${(o.error ?? 'no answer').split('\n')[0]!.slice(0, 120)})`}`);
  const rest = (last.verdict?.problems ?? []).filter((p) => !last.obs!.some((o) => !o.healthy && p.includes(o.name || o.id)));
  return [...states, ...rest].join('; ');
}

type Observation = MemberObservation & { host?: string };

async function observe(ctx: ModuleContext, conn: EtcdConnection, membersArg: EtcdWaitHealthyArgs['members']): Promise<Observation[]> {
  const { members } = await listMembersForReport(conn, CALL_MS);
  const reached = await reachMembers(ctx, members, membersArg);
  return Promise.all(
    reached.map(async (r): Promise<Observation> => {
      const base = { name: r.member.name, id: r.member.id, isLearner: r.member.isLearner, host: r.host };
      if (!r.conn) return { ...base, healthy: false, error: r.error };
      const h = await checkHealth(r.conn, CALL_MS);
      if (!h.healthy) return { ...base, healthy: false, error: h.error };
      try {
        const s = await memberStatus(r.conn, CALL_MS);
        return { ...base, healthy: true, leaderId: s.leaderId, revision: s.revision, raftIndex: s.raftIndex };
      } catch (e) {
        return { ...base, healthy: false, error: (e as Error).message };
      }
    }),
  );
}

/**
 * After restarts: wait until every member is healthy, all agree on one leader, and revisions
 * and raft indexes are within tolerance. Polls through this member until `timeout`.
 */
export const etcdWaitHealthy: Module<EtcdWaitHealthyArgs> = {
  name: 'etcd_wait_healthy',
  summary: 'wait until every member is healthy, there is one leader, and members are in sync',
  schema,
  readOnly: true,
  describe: (a) => `wait up to ${a.timeout ?? 120}s for every etcd member to be healthy and in sync`,
  factNames: () => ['etcd_leader_id', 'etcd_healthy'],
  async run(ctx, args): Promise<ModuleResult> {
    const a = schema.parse(args);
    let expected = a.expected_members;
    if (expected === undefined) {
      try {
        expected = inventoryMemberHosts(ctx, a.members).length;
      } catch {
        expected = undefined;
      }
    }
    const started = Date.now();
    const deadline = ctx.probeOnce ? 0 : started + a.timeout * 1000;
    let last: { verdict?: Convergence; error?: string; obs?: Observation[] } = {};
    let attempts = 0;
    let lastProgress = 0;
    // a member seen gone once may be between a start and its process; twice in a row is gone
    const goneOnce = new Set<string>();
    let gone: { host: string; why: string } | undefined;
    while (true) {
      attempts++;
      const round = await onThisMember(ctx, async (conn) => {
        const obs = await observe(ctx, conn, a.members);
        const verdict = judgeConvergence(obs, {
          revisionTolerance: a.revision_tolerance,
          raftIndexTolerance: a.raft_index_tolerance,
          expectedMembers: expected,
        });
        last = { verdict, obs };
        return { changed: false, failed: !verdict.ok };
      });
      if (round.failed && !last.verdict) last = { error: round.msg };
      if (!round.failed) break;
      if (ctx.signal.aborted) return failed('interrupted while waiting for etcd to become healthy');
      if (Date.now() + a.interval * 1000 > deadline) break;
      // a member whose etcd is gone for good will not become healthy: say so now, not at the timeout
      const down = (last.obs ?? []).filter((o) => !o.healthy && o.host !== undefined).map((o) => o.host!);
      for (const h of [...goneOnce]) if (!down.includes(h)) goneOnce.delete(h);
      for (const h of down) {
        const why = await memberGone(ctx, h);
        if (why === undefined) goneOnce.delete(h);
        else if (goneOnce.has(h)) gone ??= { host: h, why };
        else goneOnce.add(h);
      }
      if (gone) break;
      // one line every few seconds, with each member's latest state
      if (Date.now() - lastProgress >= PROGRESS_MS) {
        lastProgress = Date.now();
        ctx.log(`waiting (${Math.round((Date.now() - started) / 1000)}s of ${a.timeout}s): ${progressLine(last)}`);
      }
      await new Promise((r) => setTimeout(r, a.interval * 1000));
      // a fresh reading next time, not one from a previous round
      last = {};
    }
    if (gone) {
      const members = (last.obs ?? []).map((o) => ({ name: o.name, id: o.id, healthy: o.healthy, error: o.error ?? null, revision: o.revision ?? null, raft_index: o.raftIndex ?? null }));
      return {
        changed: false,
        failed: true,
        msg: `etcd cannot become healthy: etcd on ${gone.host} is not running and will not start by itself (${gone.why}); stopped waiting after ${attempts} checks instead of ${a.timeout}s`,
        data: { healthy: false, gone: gone.host, problems: last.verdict?.problems ?? [last.error], members, attempts },
        facts: { etcd_healthy: false },
      };
    }
    const v = last.verdict;
    const members = (last.obs ?? []).map((o) => ({ name: o.name, id: o.id, healthy: o.healthy, error: o.error ?? null, revision: o.revision ?? null, raft_index: o.raftIndex ?? null }));
    if (v?.ok) {
      return {
        changed: false,
        msg: `${members.length} members healthy, leader ${v.leaderId}, revision spread ${v.revisionSpread}, raft index spread ${v.raftIndexSpread} (after ${attempts} checks)`,
        data: { healthy: true, leader_id: v.leaderId, members, attempts },
        facts: { etcd_leader_id: v.leaderId, etcd_healthy: true },
      };
    }
    return {
      changed: false,
      failed: true,
      msg: `etcd not healthy after ${a.timeout}s: ${v ? v.problems.join('; ') : last.error}`,
      data: { healthy: false, problems: v?.problems ?? [last.error], members, attempts },
      facts: { etcd_healthy: false },
    };
  },
};
