import { z } from 'zod';
import type { Module } from '../../modules/types.js';
import { callOptions } from '../client.js';
import { listMembers, memberStatus } from '../cluster-info.js';
import { timeoutMs } from '../context.js';
import { failed, humanBytes, onThisMember } from './common.js';

const schema = z
  .object({
    allow_leader: z
      .boolean()
      .default(false)
      .describe('defrag even when this member leads (it stalls the whole cluster while it runs); move leadership away first instead'),
    timeout: z.number().positive().optional().describe('seconds to wait for the defrag (default: the task timeout, else 600)'),
  })
  .strict();

export type EtcdDefragArgs = z.infer<typeof schema>;

/**
 * `etcdctl defrag` of this member only. A defrag blocks the member's reads and writes while it
 * runs; on the leader that stalls the cluster, so it is refused there unless allow_leader.
 */
export const etcdDefrag: Module<EtcdDefragArgs> = {
  name: 'etcd_defrag',
  summary: "defragment this member's database (one member at a time; refused on the leader)",
  schema,
  readOnly: false,
  describe: () => 'etcd defrag of this member',
  run: (ctx, args) =>
    onThisMember(ctx, async (conn) => {
      const a = schema.parse(args);
      const statusMs = timeoutMs(ctx, undefined, 15_000);
      const before = await memberStatus(conn, statusMs);
      if (before.isLeader && !a.allow_leader) {
        const { members } = await listMembers(conn, statusMs, { linearizable: false });
        if (members.filter((m) => !m.isLearner).length > 1) {
          return failed(
            `refusing to defrag the leader ${conn.url}: it blocks the whole cluster while it runs. Move leadership away first (etcd_move_leader) or set allow_leader: true`,
          );
        }
      }
      const data: Record<string, unknown> = { member_id: before.memberId, db_size_before: before.dbSize, db_size_in_use: before.dbSizeInUse };
      if (ctx.check) return { changed: true, msg: `would defrag ${conn.url} (db ${humanBytes(before.dbSize)})`, data };
      const started = Date.now();
      await conn.client.maintenance.defragment(callOptions(timeoutMs(ctx, a.timeout, 600_000)));
      const after = await memberStatus(conn, statusMs);
      data.db_size_after = after.dbSize;
      data.took_ms = Date.now() - started;
      return {
        changed: true,
        msg: `Finished defragmenting etcd member[${conn.url}]: db ${humanBytes(before.dbSize)} -> ${humanBytes(after.dbSize)}`,
        data,
      };
    }),
};
