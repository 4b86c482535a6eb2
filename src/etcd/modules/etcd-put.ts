import { z } from 'zod';
import type { Module } from '../../modules/types.js';
import { callOptions, DEFAULT_CALL_TIMEOUT_MS } from '../client.js';
import { timeoutMs } from '../context.js';
import { onThisMember, timeoutField } from './common.js';

const schema = z
  .object({
    key: z.string().min(1).describe('the key'),
    value: z.string().describe('the value (UTF-8)'),
    timeout: timeoutField,
  })
  .strict();

export type EtcdPutArgs = z.infer<typeof schema>;

/**
 * Write one key through this member, e.g. to prove writes work again after an alarm. Always
 * writes (a new revision even when the value is unchanged), because a skipped write proves nothing.
 */
export const etcdPut: Module<EtcdPutArgs> = {
  name: 'etcd_put',
  summary: 'write a key (for checks such as "writes work again")',
  schema,
  readOnly: false,
  describe: (a) => `etcd put ${a.key}`,
  run: (ctx, args) =>
    onThisMember(ctx, async (conn) => {
      const a = schema.parse(args);
      if (ctx.check) return { changed: true, msg: `would put ${a.key} via ${conn.url}` };
      const r = await conn.client.kv.put(
        { key: Buffer.from(a.key), value: Buffer.from(a.value), prev_kv: true },
        callOptions(timeoutMs(ctx, a.timeout, DEFAULT_CALL_TIMEOUT_MS)),
      );
      const revision = Number(r.header.revision);
      const prev = r.prev_kv ? r.prev_kv.value.toString('utf8') : null;
      return {
        changed: true,
        msg: `put ${a.key} at revision ${revision}`,
        data: { key: a.key, revision, previous_value: prev, created: prev === null },
      };
    }),
};
