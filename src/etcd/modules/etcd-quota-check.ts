import { z } from 'zod';
import type { Module, ModuleResult } from '../../modules/types.js';
import { memberStatus } from '../cluster-info.js';
import { timeoutMs } from '../context.js';
import { humanBytes, onThisMember, timeoutField } from './common.js';

/** what etcd uses when quota-backend-bytes is 0 or unset */
export const DEFAULT_QUOTA_BYTES = 2 * 1024 * 1024 * 1024;

const schema = z
  .object({
    quota: z
      .union([z.number().nonnegative(), z.string().regex(/^\d*$/)])
      .optional()
      .describe("this member's quota-backend-bytes in bytes (0 or empty: etcd's default, 2 GiB)"),
    // bolt's file needs room beyond the live data (pages freed by a write stay in use until it
    // commits): a 16 MiB quota raised NOSPACE with 13.5 MB live, about 80%
    warn_at: z.number().gt(0).lte(1).default(0.75).describe('warn when the data in use reaches this share of the quota (default 0.75)'),
    timeout: timeoutField,
  })
  .strict();

export type EtcdQuotaCheckArgs = z.infer<typeof schema>;

export interface QuotaVerdict {
  quota: number;
  ratio: number;
  near: boolean;
  warning?: string;
}

/**
 * Pure: is this member's live data near its quota? Compaction and defragmentation only give
 * back space that old revisions and free pages take; what is in use after them is live data, and
 * only a larger quota or fewer keys make room for it.
 */
export function judgeQuota(member: string, dbSize: number, inUse: number, quotaArg: number | string | undefined, warnAt: number): QuotaVerdict {
  const given = quotaArg === undefined || quotaArg === '' ? 0 : Number(quotaArg);
  const quota = given > 0 ? given : DEFAULT_QUOTA_BYTES;
  const live = Math.max(inUse, 0) || dbSize;
  const ratio = live / quota;
  if (ratio < warnAt) return { quota, ratio, near: false };
  const pct = Math.round(ratio * 100);
  return {
    quota,
    ratio,
    near: true,
    warning:
      `${member}: live data is ${humanBytes(live)}, ${pct}% of the quota ${humanBytes(quota)} (db file ${humanBytes(dbSize)}), after compaction and defragmentation: ` +
      'the next writes can raise NOSPACE ("database space exceeded") again. Raise the quota (-e quota_backend_bytes=..., at most 8G) ' +
      'or delete data that is no longer needed, then run this again',
  };
}

/**
 * Read-only: this member's database and data in use against its quota. Succeeds either way; a
 * member near the quota gets a warning that says what to do.
 */
export const etcdQuotaCheck: Module<EtcdQuotaCheckArgs> = {
  name: 'etcd_quota_check',
  summary: "warn when this member's live data is near its backend quota, saying what to do",
  schema,
  readOnly: true,
  describe: () => 'compare the etcd database in use with its quota',
  run: (ctx, args) =>
    onThisMember(ctx, async (conn): Promise<ModuleResult> => {
      const a = schema.parse(args);
      const s = await memberStatus(conn, timeoutMs(ctx, a.timeout, 15_000));
      const v = judgeQuota(ctx.host, s.dbSize, s.dbSizeInUse, a.quota, a.warn_at);
      const data = { db_size: s.dbSize, db_size_in_use: s.dbSizeInUse, quota: v.quota, in_use_ratio: v.ratio, near_quota: v.near };
      if (v.warning) return { changed: false, msg: v.warning, data, warnings: [v.warning] };
      return { changed: false, msg: `${humanBytes(s.dbSizeInUse)} in use of the quota ${humanBytes(v.quota)} (${Math.round(v.ratio * 100)}%)`, data };
    }),
};
