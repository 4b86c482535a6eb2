import { z } from 'zod';
import type { Module } from '../../modules/types.js';
import { DEFAULT_CALL_TIMEOUT_MS } from '../client.js';
import { formatAlarm, listAlarms, listMembers, memberStatus } from '../cluster-info.js';
import { timeoutMs } from '../context.js';
import { humanBytes, onThisMember, timeoutField } from './common.js';

const schema = z.object({ timeout: timeoutField }).strict();

export type EtcdStatusArgs = z.infer<typeof schema>;

const FACTS = [
  'etcd_member_id',
  'etcd_member_name',
  'etcd_cluster_id',
  'etcd_leader_id',
  'etcd_is_leader',
  'etcd_is_learner',
  'etcd_revision',
  'etcd_raft_term',
  'etcd_raft_index',
  'etcd_raft_applied_index',
  'etcd_db_size',
  'etcd_db_size_in_use',
  'etcd_version',
  'etcd_alarms',
];

/** `etcdctl endpoint status` for this member, kept as host facts for later `when:` conditions. */
export const etcdStatus: Module<EtcdStatusArgs> = {
  name: 'etcd_status',
  summary: "this member's id, leader, revision, raft term/index, db size, version and the cluster's alarms",
  schema,
  readOnly: true,
  describe: () => 'etcd status of this member',
  factNames: () => FACTS,
  run: (ctx, a) =>
    onThisMember(ctx, async (conn) => {
      const ms = timeoutMs(ctx, a.timeout, DEFAULT_CALL_TIMEOUT_MS);
      const status = await memberStatus(conn, ms);
      // status answers without a leader, and that is when it is needed most: the names come
      // from the member's local list, and alarms (which need the leader) are best effort
      const list = await listMembers(conn, ms, { linearizable: false });
      const alarms = await listAlarms(conn, ms).catch(() => undefined);
      const me = list.members.find((m) => m.id === status.memberId);
      const leader = list.members.find((m) => m.id === status.leaderId);
      const data = {
        member_id: status.memberId,
        name: me?.name ?? '',
        cluster_id: status.clusterId,
        leader_id: status.leaderId,
        leader_name: leader?.name ?? '',
        is_leader: status.isLeader,
        is_learner: status.isLearner,
        revision: status.revision,
        raft_term: status.raftTerm,
        raft_index: status.raftIndex,
        raft_applied_index: status.raftAppliedIndex,
        db_size: status.dbSize,
        db_size_in_use: status.dbSizeInUse,
        version: status.version,
        alarms: alarms?.map(formatAlarm) ?? null,
        errors: status.errors,
        endpoint: conn.url,
      };
      const role = status.isLeader ? 'leader' : status.isLearner ? 'learner' : status.leaderId === '' ? 'no leader!' : `follower of ${data.leader_name || status.leaderId}`;
      const msg =
        `${data.name || status.memberId} (${status.memberId}) ${role}, v${status.version}, revision ${status.revision}, ` +
        `raft ${status.raftTerm}/${status.raftIndex}, db ${humanBytes(status.dbSize)} (${humanBytes(status.dbSizeInUse)} in use)` +
        (alarms === undefined ? ', alarms unknown (no leader?)' : alarms.length > 0 ? `, ALARMS: ${alarms.map(formatAlarm).join(', ')}` : '');
      return {
        changed: false,
        msg,
        data,
        facts: {
          etcd_member_id: data.member_id,
          etcd_member_name: data.name,
          etcd_cluster_id: data.cluster_id,
          etcd_leader_id: data.leader_id,
          etcd_is_leader: data.is_leader,
          etcd_is_learner: data.is_learner,
          etcd_revision: data.revision,
          etcd_raft_term: data.raft_term,
          etcd_raft_index: data.raft_index,
          etcd_raft_applied_index: data.raft_applied_index,
          etcd_db_size: data.db_size,
          etcd_db_size_in_use: data.db_size_in_use,
          etcd_version: data.version,
          etcd_alarms: data.alarms,
        },
      };
    }),
};
