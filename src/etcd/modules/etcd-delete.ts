import { z } from 'zod';
import type { Module } from '../../modules/types.js';
import { callOptions, DEFAULT_CALL_TIMEOUT_MS } from '../client.js';
import { timeoutMs } from '../context.js';
import { prefixRangeEnd } from '../key-range.js';
import { onThisMember, timeoutField } from './common.js';

const schema = z
  .object({
    key: z.string().min(1).describe('the key, or the prefix with prefix: true'),
    prefix: z.boolean().default(false).describe('every key that starts with key'),
    timeout: timeoutField,
  })
  .strict()
  .refine((a) => !a.prefix || a.key.length >= 2, { message: 'refusing a prefix this short: it would delete (nearly) every key of the cluster' });

export type EtcdDeleteArgs = z.infer<typeof schema>;

/**
 * `etcdctl del KEY [--prefix]` through this member, e.g. to remove the probe key a runbook
 * wrote to prove writes work. No key to delete is no change. An empty prefix is refused: it
 * would delete every key of the cluster.
 */
export const etcdDelete: Module<EtcdDeleteArgs> = {
  name: 'etcd_delete',
  summary: 'delete a key or a prefix (for cleaning up probe keys)',
  schema,
  readOnly: false,
  describe: (a) => `etcd del ${a.key}${a.prefix ? ' --prefix' : ''}`,
  run: (ctx, args) =>
    onThisMember(ctx, async (conn) => {
      const a = schema.parse(args);
      const key = Buffer.from(a.key);
      const range = { key, range_end: a.prefix ? prefixRangeEnd(key) : undefined };
      const ms = timeoutMs(ctx, a.timeout, DEFAULT_CALL_TIMEOUT_MS);
      if (ctx.check) {
        const r = await conn.client.kv.range({ ...range, count_only: true }, callOptions(ms));
        const n = Number(r.count);
        return { changed: n > 0, msg: n > 0 ? `would delete ${n} key(s)` : 'nothing to delete', data: { deleted: 0, would_delete: n } };
      }
      const r = await conn.client.kv.deleteRange(range, callOptions(ms));
      const deleted = Number(r.deleted);
      return {
        changed: deleted > 0,
        msg: deleted > 0 ? `deleted ${deleted} key(s) at revision ${r.header.revision}` : `${a.key}${a.prefix ? '*' : ''}: nothing to delete`,
        data: { key: a.key, deleted, revision: Number(r.header.revision) },
      };
    }),
};
