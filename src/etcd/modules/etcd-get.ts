import { z } from 'zod';
import type { Module } from '../../modules/types.js';
import { callOptions, DEFAULT_CALL_TIMEOUT_MS } from '../client.js';
import { timeoutMs } from '../context.js';
import { prefixRangeEnd } from '../key-range.js';
import { onThisMember, timeoutField } from './common.js';

const schema = z
  .object({
    key: z.string().describe('the key, or the prefix with prefix: true ("" with prefix: every key)'),
    prefix: z.boolean().default(false).describe('every key that starts with key'),
    keys_only: z.boolean().default(false).describe('return keys without values'),
    count_only: z.boolean().default(false).describe('return only how many keys match'),
    limit: z.number().int().nonnegative().default(0).describe('at most this many keys (0: no limit)'),
    serializable: z.boolean().default(false).describe("read this member's local copy instead of a linearizable read"),
    revision: z.number().int().nonnegative().default(0).describe('read as of this revision (0: the latest); fails once it is compacted'),
    encoding: z.enum(['utf8', 'base64']).default('utf8').describe('how values are returned'),
    timeout: timeoutField,
  })
  .strict();

export type EtcdGetArgs = z.infer<typeof schema>;

/** Read a key or a prefix through this member; for checks (`until: result.count > 0`). */
export const etcdGet: Module<EtcdGetArgs> = {
  name: 'etcd_get',
  summary: 'read a key or a prefix (values, keys only, or a count)',
  schema,
  readOnly: true,
  describe: (a) => `etcd get ${a.key}${a.prefix ? ' --prefix' : ''}${a.count_only ? ' --count-only' : ''}${a.revision ? ` --rev=${a.revision}` : ''}`,
  run: (ctx, args) =>
    onThisMember(ctx, async (conn) => {
      const a = schema.parse(args);
      if (!a.prefix && a.key === '') return { changed: false, failed: true, msg: 'key is empty: give a key, or prefix: true for every key' };
      const key = a.prefix && a.key === '' ? Buffer.from([0]) : Buffer.from(a.key);
      const r = await conn.client.kv.range(
        {
          key,
          range_end: a.prefix ? prefixRangeEnd(Buffer.from(a.key)) : undefined,
          limit: a.limit,
          keys_only: a.keys_only,
          count_only: a.count_only,
          serializable: a.serializable,
          revision: a.revision,
        },
        callOptions(timeoutMs(ctx, a.timeout, DEFAULT_CALL_TIMEOUT_MS)),
      );
      const count = Number(r.count);
      const kvs = r.kvs.map((kv) => ({
        key: kv.key.toString('utf8'),
        ...(a.keys_only ? {} : { value: kv.value.toString(a.encoding) }),
        create_revision: Number(kv.create_revision),
        mod_revision: Number(kv.mod_revision),
        version: Number(kv.version),
        lease: kv.lease,
      }));
      const first = kvs[0];
      return {
        changed: false,
        msg: a.count_only ? `${count} keys` : `${count} keys${first && !a.prefix && 'value' in first ? `: ${first.key}=${first.value}` : ''}`,
        data: {
          count,
          kvs,
          more: Boolean(r.more),
          revision: Number(r.header.revision),
          value: !a.prefix && first && 'value' in first ? first.value : null,
        },
      };
    }),
};
