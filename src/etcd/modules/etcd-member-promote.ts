import { z } from 'zod';
import type { Module } from '../../modules/types.js';
import { callOptions, DEFAULT_CALL_TIMEOUT_MS } from '../client.js';
import { listMembers } from '../cluster-info.js';
import { timeoutMs } from '../context.js';
import { memberIdToDecimal } from '../member-id.js';
import { retryWhileSettling } from '../membership-retry.js';
import { describeRef, findMember } from '../member-lookup.js';
import { failed, onThisMember, settle, settleField, timeoutField } from './common.js';
import { exactlyOneRef, exactlyOneRefMessage, memberRefFields } from './member-ref.js';

const schema = z
  .object({ ...memberRefFields, timeout: timeoutField, settle: settleField })
  .strict()
  .refine(exactlyOneRef, { message: exactlyOneRefMessage });

export type EtcdMemberPromoteArgs = z.infer<typeof schema>;

/**
 * `etcdctl member promote ID`: a learner becomes a voting member. etcd refuses while the learner
 * is behind the leader; use `retries:` / `delay:` on the task to wait for it to catch up.
 */
export const etcdMemberPromote: Module<EtcdMemberPromoteArgs> = {
  name: 'etcd_member_promote',
  summary: 'promote a learner to a voting member (no change when it already votes)',
  schema,
  readOnly: false,
  describe: (a) => `etcd member promote ${describeRef(a)}`,
  run: (ctx, args) =>
    onThisMember(ctx, async (conn) => {
      const a = schema.parse(args);
      const ms = timeoutMs(ctx, a.timeout, DEFAULT_CALL_TIMEOUT_MS);
      const { members } = await listMembers(conn, ms);
      const target = findMember(members, a);
      if (!target) return failed(`${describeRef(a)} is not a member: nothing to promote`);
      const data = { id: target.id, name: target.name };
      if (!target.isLearner) return { changed: false, msg: `${target.name || target.id} already votes`, data: { ...data, promoted: false } };
      if (!target.started) return failed(`learner ${target.id} has not started yet: start etcd on it and wait until it is in sync`, data);
      if (ctx.check) return { changed: true, msg: `would promote ${target.name} (${target.id})`, data };
      await retryWhileSettling(() => conn.client.cluster.memberPromote({ ID: memberIdToDecimal(target.id) }, callOptions(ms)), settle(ctx, a.settle));
      return { changed: true, msg: `Member ${target.id} (${target.name}) promoted to a voting member`, data: { ...data, promoted: true } };
    }),
};
