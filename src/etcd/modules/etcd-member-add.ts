import { z } from 'zod';
import type { Module, ModuleResult } from '../../modules/types.js';
import { callOptions, DEFAULT_CALL_TIMEOUT_MS } from '../client.js';
import { listMembers, type MemberInfo } from '../cluster-info.js';
import { hostConfig, timeoutMs } from '../context.js';
import { initialClusterAfterAdd } from '../initial-cluster.js';
import { memberIdFromDecimal } from '../member-id.js';
import { retryWhileSettling } from '../membership-retry.js';
import { failed, onThisMember, settle, settleField, timeoutField } from './common.js';

const schema = z
  .object({
    name: z.string().min(1).describe('name the new member will start with (its --name)'),
    peer_urls: z
      .union([z.string(), z.array(z.string())])
      .describe('peer URL(s) of the new member, e.g. https://10.0.0.4:2380'),
    learner: z
      .boolean()
      .default(false)
      .describe('add as a non-voting learner (recommended: start it, wait until it is in sync, then etcd_member_promote)'),
    timeout: timeoutField,
    settle: settleField,
  })
  .strict();

export type EtcdMemberAddArgs = z.infer<typeof schema>;

function urlsOf(v: string | string[]): string[] {
  return (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean);
}

/**
 * `etcdctl member add NAME --peer-urls URL [--learner]`, through this member. Already a member
 * with these peer URLs: nothing changes. The facts carry what the new member must start with:
 * initial-cluster (as etcdctl prints it) and initial-cluster-state=existing.
 */
export const etcdMemberAdd: Module<EtcdMemberAddArgs> = {
  name: 'etcd_member_add',
  summary: 'add a member (or a learner) and return its id and the initial-cluster it must start with',
  schema,
  readOnly: false,
  describe: (a) => `etcd member add ${a.name} --peer-urls=${urlsOf(a.peer_urls).join(',')}${a.learner ? ' --learner' : ''}`,
  factNames: () => ['etcd_new_member_id', 'etcd_new_member_initial_cluster', 'etcd_new_member_initial_cluster_state'],
  run: (ctx, args) =>
    onThisMember(ctx, async (conn) => {
      const a = schema.parse(args);
      const peerUrls = urlsOf(a.peer_urls);
      if (peerUrls.length === 0) return failed('peer_urls is empty');
      const ms = timeoutMs(ctx, a.timeout, DEFAULT_CALL_TIMEOUT_MS);
      const before = await listMembers(conn, ms);
      const already = (members: MemberInfo[]) => members.find((m) => m.peerUrls.some((u) => peerUrls.includes(u)));
      const existingResult = (members: MemberInfo[], existing: MemberInfo): ModuleResult => {
        const samePeers = [...existing.peerUrls].sort().join(',') === [...peerUrls].sort().join(',');
        if (!samePeers || (existing.name !== '' && existing.name !== a.name)) {
          return failed(
            `peer URL ${peerUrls.join(',')} already belongs to member ${existing.id} (${existing.name || 'unstarted'}, ${existing.peerUrls.join(',')}): remove it first`,
          );
        }
        const initialCluster = initialClusterAfterAdd(members, existing.id, a.name);
        return {
          changed: false,
          msg: `${a.name} is already a member (${existing.id}, ${existing.started ? 'started' : 'unstarted'}${existing.isLearner ? ', learner' : ''})`,
          data: { id: existing.id, name: a.name, peer_urls: peerUrls, learner: existing.isLearner, initial_cluster: initialCluster, initial_cluster_state: 'existing' },
          facts: {
            etcd_new_member_id: existing.id,
            etcd_new_member_initial_cluster: initialCluster,
            etcd_new_member_initial_cluster_state: 'existing',
          },
        };
      };
      const found = already(before.members);
      if (found) return existingResult(before.members, found);
      const sameName = before.members.find((m) => m.name === a.name);
      if (sameName) return failed(`a member named ${a.name} already exists (${sameName.id}, ${sameName.peerUrls.join(',')}): remove it first`);

      if (ctx.check) {
        return { changed: true, msg: `would add ${a.name} (${peerUrls.join(',')})${a.learner ? ' as a learner' : ''} via ${conn.url}` };
      }
      let r;
      try {
        r = await retryWhileSettling(() => conn.client.cluster.memberAdd({ peerURLs: peerUrls, isLearner: a.learner }, callOptions(ms)), settle(ctx, a.settle));
      } catch (e) {
        // etcd 3.4 lists members from this member's own copy, which may lag behind an add made
        // through another member a moment ago; the leader refused because it knows better, so
        // wait for the copy to catch up and answer as for an existing member
        if (!/peer ?URLs? (already )?exists/i.test((e as Error).message)) throw e;
        for (let attempt = 0; attempt < 10; attempt++) {
          await new Promise((res) => setTimeout(res, 300));
          const after = await listMembers(conn, ms);
          const now = already(after.members);
          if (now) return existingResult(after.members, now);
        }
        throw e;
      }
      const id = memberIdFromDecimal(r.member.ID);
      const members = r.members.map((m) => ({ id: memberIdFromDecimal(m.ID), name: m.name, peerUrls: m.peerURLs }));
      const initialCluster = initialClusterAfterAdd(members, id, a.name);
      const clusterId = memberIdFromDecimal(r.header.cluster_id);
      return {
        changed: true,
        msg:
          `Member ${id} added to cluster ${clusterId}${a.learner ? ' as a learner' : ''}\n\n` +
          `ETCD_NAME="${a.name}"\nETCD_INITIAL_CLUSTER="${initialCluster}"\n` +
          `ETCD_INITIAL_ADVERTISE_PEER_URLS="${peerUrls.join(',')}"\nETCD_INITIAL_CLUSTER_STATE="existing"`,
        data: { id, name: a.name, peer_urls: peerUrls, learner: a.learner, cluster_id: clusterId, initial_cluster: initialCluster, initial_cluster_state: 'existing', via: hostConfig(ctx).name },
        facts: {
          etcd_new_member_id: id,
          etcd_new_member_initial_cluster: initialCluster,
          etcd_new_member_initial_cluster_state: 'existing',
        },
      };
    }),
};
