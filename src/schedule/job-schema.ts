/**
 * One scheduled job as written in the schedules file (runbook.schedules.yaml), checked with
 * zod. Relative paths are resolved later against the file's own directory (schedules-file.ts),
 * so the file means the same thing whatever directory the scheduler starts in.
 */
import { z } from 'zod';
import { cronProblem, timezoneProblem } from './cron.js';
import { policyProblems, type RetentionPolicy } from './retention.js';

/** job names end up in unit file names, metric labels and lock keys */
export const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

const count = (min: number) => z.int(`must be a whole number`).min(min, `must be at least ${min}`);

export const retentionSchema = z
  .strictObject({
    dir: z.string().min(1, 'the directory the backups are in'),
    host: z.string().min(1).optional().describe('inventory host pattern whose `dir` is pruned over SSH; omitted: a directory on the controller'),
    become: z.boolean().optional().describe('prune remote files with sudo'),
    keep_last: count(1).optional(),
    keep_within: z.string().optional(),
    hourly: count(0).optional(),
    daily: count(0).optional(),
    weekly: count(0).optional(),
    monthly: count(0).optional(),
  })
  .superRefine((r, ctx) => {
    for (const p of policyProblems(r)) ctx.addIssue({ code: 'custom', message: p });
  });

export type RetentionConfig = z.infer<typeof retentionSchema> & RetentionPolicy;

export const jobSchema = z
  .strictObject({
    name: z.string().regex(JOB_NAME, 'a job name is letters, digits, `.`, `_` and `-` (at most 63), starting with a letter or digit'),
    playbook: z.string().min(1),
    inventory: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], { error: 'inventory: a path or a list of paths' }),
    cron: z.string().min(1),
    timezone: z.string().optional(),
    extra_vars: z
      .union([z.array(z.string()), z.record(z.string(), z.unknown())], { error: 'extra_vars: a list of `-e` values (k=v, JSON, @file) or a mapping' })
      .optional(),
    limit: z.string().optional(),
    yes: z.boolean().default(false),
    runs_dir: z.string().optional(),
    lock: z.enum(['file', 'etcd', 'none']).default('file'),
    lock_wait: count(0).optional().describe('seconds to wait for a lock another run holds; default 0 (skip this tick)'),
    metrics_file: z.string().optional(),
    retention: retentionSchema.optional(),
    forks: count(1).optional(),
    user: z.string().optional(),
    known_hosts: z.string().optional(),
    ssh_config: z.string().optional(),
    connect_timeout: count(1).optional(),
  })
  .superRefine((job, ctx) => {
    if (job.timezone !== undefined) {
      const tz = timezoneProblem(job.timezone);
      if (tz) ctx.addIssue({ code: 'custom', path: ['timezone'], message: tz });
    }
    const cron = cronProblem({ cron: job.cron, timezone: job.timezone !== undefined && !timezoneProblem(job.timezone) ? job.timezone : undefined });
    if (cron) ctx.addIssue({ code: 'custom', path: ['cron'], message: cron });
  });

export const schedulesSchema = z.strictObject({
  jobs: z.array(jobSchema).default([]),
});

export type JobConfig = z.output<typeof jobSchema>;

/** a job with defaults applied and paths absolute */
export interface ScheduledJob {
  name: string;
  playbook: string;
  inventory: string[];
  cron: string;
  timezone?: string;
  /** `-e` values, in order */
  extraVars: string[];
  limit?: string;
  yes: boolean;
  runsDir: string;
  lock: 'file' | 'etcd' | 'none';
  lockWait: number;
  metricsFile?: string;
  retention?: RetentionConfig;
  forks?: number;
  user?: string;
  knownHosts?: string;
  sshConfig?: string;
  connectTimeout?: number;
}
