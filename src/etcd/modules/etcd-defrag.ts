import { z } from 'zod';
import type { Module } from '../../modules/types.js';
import { callOptions } from '../client.js';
import { listMembers, memberStatus, type MemberStatus } from '../cluster-info.js';
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

/** more than a tenth of the file, and at least 1 MB, is free pages a defrag would give back */
export function hasFreeSpace(s: Pick<MemberStatus, 'dbSize' | 'dbSizeInUse'>): boolean {
  const free = s.dbSize - s.dbSizeInUse;
  return s.dbSizeInUse > 0 && free > 1_000_000 && free > s.dbSize / 10;
}

/**
 * Why the file did not get smaller, or undefined when it did: said instead of silence, so a
 * "4 MB -> 4 MB" is read as what it is. Nothing to reclaim when what was in use was the file.
 */
export function notShrunkReason(before: Pick<MemberStatus, 'dbSize' | 'dbSizeInUse'>, after: Pick<MemberStatus, 'dbSize' | 'dbSizeInUse'>, again: boolean): string | undefined {
  if (after.dbSize < before.dbSize * 0.99) return undefined;
  const inUse = `${humanBytes(before.dbSizeInUse)} of ${humanBytes(before.dbSize)} was in use`;
  if (!hasFreeSpace(before)) {
    return `not smaller: ${inUse}, so there was nothing to reclaim (live data: compaction keeps every key's latest value; only deleting keys or a larger quota makes room)`;
  }
  return `not smaller although only ${inUse}${again ? ', even after a second pass' : ''}: the member may still be applying a compaction; run the maintenance again`;
}

/**
 * The member's status once the data in use stops changing (a compaction being applied frees
 * pages for a while), at most ~10 s: then a defrag gives back what there is to give back.
 */
async function settledStatus(conn: Parameters<typeof memberStatus>[0], statusMs: number, signal: AbortSignal): Promise<MemberStatus> {
  let last = await memberStatus(conn, statusMs);
  for (let i = 0; i < 20 && !signal.aborted; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const next = await memberStatus(conn, statusMs);
    if (next.dbSizeInUse === last.dbSizeInUse && next.dbSize === last.dbSize) return next;
    last = next;
  }
  return last;
}

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
      const defragMs = timeoutMs(ctx, a.timeout, 600_000);
      // a follower applies a compaction on its own, after the leader: a defrag while it still
      // frees pages reclaims none of them (seen as "3.88 MB -> 3.88 MB" with 1.9 MB free)
      const settled = await settledStatus(conn, statusMs, ctx.signal);
      await conn.client.maintenance.defragment(callOptions(defragMs));
      let after = await settledStatus(conn, statusMs, ctx.signal);
      let again = false;
      if (hasFreeSpace(after)) {
        // pages freed during the defrag: one more pass gives them back
        again = true;
        await conn.client.maintenance.defragment(callOptions(defragMs));
        after = await memberStatus(conn, statusMs);
      }
      data.db_size_after = after.dbSize;
      data.db_size_in_use_after = after.dbSizeInUse;
      data.defragmented_twice = again;
      data.took_ms = Date.now() - started;
      const why = notShrunkReason(settled, after, again);
      data.not_shrunk_reason = why ?? null;
      return {
        changed: true,
        msg: `Finished defragmenting etcd member[${conn.url}]: db ${humanBytes(before.dbSize)} -> ${humanBytes(after.dbSize)}${again ? ' (defragmented twice: pages were still being freed by the compaction)' : ''}${why ? `; ${why}` : ''}`,
        data,
      };
    }),
};
