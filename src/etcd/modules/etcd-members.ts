import { z } from 'zod';
import type { Module } from '../../modules/types.js';
import { DEFAULT_CALL_TIMEOUT_MS } from '../client.js';
import { listMembersForReport } from '../cluster-info.js';
import { timeoutMs } from '../context.js';
import { onThisMember, timeoutField } from './common.js';

const schema = z.object({ timeout: timeoutField }).strict();

export type EtcdMembersArgs = z.infer<typeof schema>;

/** `etcdctl member list`, as data: the source of truth for ids before a remove or promote. */
export const etcdMembers: Module<EtcdMembersArgs> = {
  name: 'etcd_members',
  summary: 'list the cluster members: id, name, peer/client URLs, learner, started',
  schema,
  readOnly: true,
  describe: () => 'etcd member list',
  factNames: () => ['etcd_members', 'etcd_cluster_id'],
  run: (ctx, args) =>
    onThisMember(ctx, async (conn) => {
      const a = schema.parse(args);
      const { clusterId, members, linearizable } = await listMembersForReport(conn, timeoutMs(ctx, a.timeout, DEFAULT_CALL_TIMEOUT_MS));
      const rows = members.map((m) => ({
        id: m.id,
        name: m.name,
        peer_urls: m.peerUrls,
        client_urls: m.clientUrls,
        is_learner: m.isLearner,
        started: m.started,
      }));
      const lines = members.map(
        (m) => `${m.id}, ${m.started ? 'started' : 'unstarted'}, ${m.name}, ${m.peerUrls.join(',')}, ${m.clientUrls.join(',')}, ${m.isLearner}`,
      );
      return {
        changed: false,
        msg:
          `${members.length} members in cluster ${clusterId}` +
          `${linearizable ? '' : " (this member's own copy: the cluster did not answer a linearizable read)"}:\n${lines.join('\n')}`,
        data: { cluster_id: clusterId, members: rows, linearizable },
        facts: { etcd_members: rows, etcd_cluster_id: clusterId },
      };
    }),
};
