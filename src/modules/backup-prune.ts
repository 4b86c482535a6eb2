import { z } from 'zod';
import { isS3Url, parseS3Prefix } from '../backup/s3-location.js';
import { RemoteBackupStore, type BackupStore } from '../schedule/backup-store.js';
import { executePrune, planPrune } from '../schedule/prune.js';
import { describePolicy, policyProblems, type RetentionPolicy } from '../schedule/retention.js';
import { quote } from '../transport/shell-quote.js';
import type { Module, ModuleResult } from './types.js';

const count = (what: string) => z.number().int().nonnegative().optional().describe(what);

const schema = z
  .object({
    dir: z
      .string()
      .min(1)
      .describe('backup directory on the host the task runs on (delegate_to the backup host), or s3://bucket/prefix in object storage'),
    s3_endpoint: z.string().optional().describe('http(s)://host:port of an S3-compatible store (default: AWS_ENDPOINT_URL_S3, the AWS chain)'),
    s3_path_style: z.boolean().optional().describe('path-style S3 addressing (default: RUNBOOK_S3_PATH_STYLE)'),
    cluster: z.string().min(1).optional().describe('only this cluster\'s backups (etcd-<cluster>-...); default: every cluster in the directory, each decided on its own'),
    keep_last: z.number().int().positive().optional().describe('keep the newest N backups'),
    keep_within: z.string().min(1).optional().describe('keep everything newer than this, e.g. 1h, 2d'),
    hourly: count('keep the newest backup of each of the last N hours'),
    daily: count('keep the newest backup of each of the last N days'),
    weekly: count('keep the newest backup of each of the last N ISO weeks'),
    monthly: count('keep the newest backup of each of the last N months'),
  })
  .strict()
  .superRefine((a, ctx) => {
    for (const message of policyProblems(policyOf(a))) ctx.addIssue({ code: 'custom', message });
  });

export type BackupPruneArgs = z.infer<typeof schema>;

function policyOf(a: BackupPruneArgs): RetentionPolicy {
  const { keep_last, keep_within, hourly, daily, weekly, monthly } = a;
  return Object.fromEntries(Object.entries({ keep_last, keep_within, hourly, daily, weekly, monthly }).filter(([, v]) => v !== undefined));
}

/**
 * Retention for the snapshots the backup playbook writes: only files named
 * etcd-<cluster>-<time>-rev<N>.db (and their .sha256) are considered, anything else in the
 * directory is left alone, and the newest backup of each cluster is never deleted.
 */
export const backupPrune = {
  name: 'backup_prune',
  summary: 'delete old etcd snapshots by a retention policy (keep_last, hourly/daily/weekly/monthly); the newest always stays',
  schema,
  readOnly: false,
  describe: (a) => `prune ${a.dir}${a.cluster ? ` (cluster ${a.cluster})` : ''}: ${describePolicy(policyOf(a))}`,
  async run(ctx, a) {
    if (isS3Url(a.dir)) {
      const [{ s3Client }, { S3BackupStore }] = await Promise.all([import('../backup/s3-client.js'), import('../backup/s3-store.js')]);
      const client = await s3Client({ endpoint: a.s3_endpoint || undefined, pathStyle: a.s3_path_style });
      try {
        return await pruneStore(ctx.check, new S3BackupStore(client, parseS3Prefix(a.dir)), a);
      } finally {
        client.destroy();
      }
    }
    const exists = await ctx.transport.exec(`test -d ${quote(a.dir)}`, { become: ctx.become, signal: ctx.signal });
    if (exists.exitCode !== 0) {
      // in --check the backup playbook has not created it yet: nothing to prune is not an error
      return { changed: false, msg: `${a.dir} does not exist: nothing to prune`, data: { deleted: [], would_delete: [], kept: [] } };
    }
    return pruneStore(ctx.check, new RemoteBackupStore(ctx.transport, a.dir, ctx.become), a);
  },
} satisfies Module<BackupPruneArgs>;

async function pruneStore(check: boolean, store: BackupStore, a: BackupPruneArgs): Promise<ModuleResult> {
  const plan = await planPrune(store, policyOf(a), new Date());
  const mine = (b: { cluster: string }) => a.cluster === undefined || b.cluster === a.cluster;
  const remove = plan.remove.filter(mine);
  const kept = plan.decisions.filter((d) => d.keep && mine(d.backup)).map((d) => d.backup.name);
  if (check || remove.length === 0) {
    return {
      changed: remove.length > 0,
      msg: remove.length ? `would delete ${remove.length} backup(s): ${remove.map((b) => b.name).join(', ')}` : `nothing to delete; ${kept.length} kept`,
      data: { deleted: [], would_delete: remove.map((b) => b.name), kept },
    };
  }
  const deleted = await executePrune(store, { ...plan, remove });
  return { changed: true, msg: `deleted ${remove.length} old backup(s) from ${store.where}; ${kept.length} kept`, data: { deleted, kept } };
}
