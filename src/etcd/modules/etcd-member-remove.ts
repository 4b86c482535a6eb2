import { z } from 'zod';
import type { Module } from '../../modules/types.js';
import { callOptions, DEFAULT_CALL_TIMEOUT_MS } from '../client.js';
import { listMembers } from '../cluster-info.js';
import { timeoutMs } from '../context.js';
import { memberIdToDecimal } from '../member-id.js';
import { retryWhileSettling } from '../membership-retry.js';
import { describeRef, findMember } from '../member-lookup.js';
import { quorumOf } from '../quorum.js';
import { failed, onThisMember, settle, settleField, timeoutField } from './common.js';
import { exactlyOneRef, exactlyOneRefMessage, memberRefFields } from './member-ref.js';

const schema = z
  .object({ ...memberRefFields, timeout: timeoutField, settle: settleField })
  .strict()
  .refine(exactlyOneRef, { message: exactlyOneRefMessage });

export type EtcdMemberRemoveArgs = z.infer<typeof schema>;

/**
 * `etcdctl member remove ID`, by name, id or peer URL; nothing to do when it is not a member.
 * etcd itself refuses a removal that would leave too few started members for a quorum.
 */
export const etcdMemberRemove: Module<EtcdMemberRemoveArgs> = {
  name: 'etcd_member_remove',
  summary: 'remove a member by name, id or peer URL (no change when it is not a member)',
  schema,
  readOnly: false,
  describe: (a) => `etcd member remove ${describeRef(a)}`,
  run: (ctx, args) =>
    onThisMember(ctx, async (conn) => {
      const a = schema.parse(args);
      const ms = timeoutMs(ctx, a.timeout, DEFAULT_CALL_TIMEOUT_MS);
      const { clusterId, members } = await listMembers(conn, ms);
      const target = findMember(members, a);
      if (!target) {
        return { changed: false, msg: `${describeRef(a)} is not a member of cluster ${clusterId}: nothing to remove`, data: { removed: false } };
      }
      const votersAfter = members.filter((m) => !m.isLearner && m.id !== target.id).length;
      if (votersAfter === 0) return failed(`refusing to remove ${target.name || target.id}: it is the last voting member`);
      const data = {
        removed: true,
        id: target.id,
        name: target.name,
        peer_urls: target.peerUrls,
        was_learner: target.isLearner,
        members_after: members.length - 1,
        quorum_after: quorumOf(votersAfter),
      };
      if (ctx.check) return { changed: true, msg: `would remove ${target.name || target.id} (${target.id}) via ${conn.url}`, data };
      await retryWhileSettling(() => conn.client.cluster.memberRemove({ ID: memberIdToDecimal(target.id) }, callOptions(ms)), settle(ctx, a.settle));
      return {
        changed: true,
        msg: `Member ${target.id} (${target.name || 'unstarted'}) removed from cluster ${clusterId}; ${data.members_after} members left, quorum ${data.quorum_after}`,
        data,
      };
    }),
};
