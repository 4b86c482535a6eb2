import { z } from 'zod';
import type { Module } from '../../modules/types.js';
import { callOptions, DEFAULT_CALL_TIMEOUT_MS } from '../client.js';
import { memberStatus } from '../cluster-info.js';
import { timeoutMs } from '../context.js';
import { onThisMember, timeoutField } from './common.js';

const schema = z
  .object({
    revision: z.number().int().positive().optional().describe('compact history before this revision (default: the current revision)'),
    physical: z.boolean().default(false).describe('wait until the compaction is applied to the backend'),
    timeout: timeoutField,
  })
  .strict();

export type EtcdCompactArgs = z.infer<typeof schema>;

/**
 * `etcdctl compact REV`: drop history before REV, cluster-wide. Frees space inside the db for
 * reuse; defrag gives it back to the filesystem. A revision already compacted is no change.
 */
export const etcdCompact: Module<EtcdCompactArgs> = {
  name: 'etcd_compact',
  summary: 'compact the keyspace history up to the current (or a given) revision',
  schema,
  readOnly: false,
  describe: (a) => `etcd compact ${a.revision ?? 'current revision'}${a.physical ? ' --physical' : ''}`,
  run: (ctx, args) =>
    onThisMember(ctx, async (conn) => {
      const a = schema.parse(args);
      const ms = timeoutMs(ctx, a.timeout, DEFAULT_CALL_TIMEOUT_MS);
      const current = (await memberStatus(conn, ms)).revision;
      const revision = a.revision ?? current;
      if (revision > current) return { changed: false, failed: true, msg: `revision ${revision} is in the future (current is ${current})` };
      if (ctx.check) return { changed: true, msg: `would compact to revision ${revision}`, data: { revision } };
      try {
        await conn.client.kv.compact({ revision, physical: a.physical }, callOptions(a.physical ? Math.max(ms, 300_000) : ms));
      } catch (e) {
        if (/required revision has been compacted/i.test((e as Error).message)) {
          return { changed: false, msg: `already compacted at or after revision ${revision}`, data: { revision, compacted: false } };
        }
        throw e;
      }
      return { changed: true, msg: `compacted revision ${revision}`, data: { revision, compacted: true } };
    }),
};
