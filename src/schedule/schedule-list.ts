/**
 * What `runbook schedule list` shows per job: its schedule, the next tick, and the result of
 * its last run, read from the run directories the job's runs left (job.json names the job).
 */
import { nextRun } from './cron.js';
import { formatDuration } from './duration.js';
import type { ScheduledJob } from './job-schema.js';
import { listRuns, type RunRecord } from './run-history.js';
import { readableTime } from './lock.js';

export interface JobListing {
  name: string;
  cron: string;
  timezone?: string;
  next: string | null;
  playbook: string;
  last?: { runId: string; status: RunRecord['status']; startedAt?: string; durationMs?: number; exitCode?: number };
}

export async function describeJobs(jobs: readonly ScheduledJob[], now = new Date()): Promise<JobListing[]> {
  return Promise.all(
    jobs.map(async (job) => {
      const [last] = await listRuns(job.runsDir, { job: job.name, limit: 1 });
      return {
        name: job.name,
        cron: job.cron,
        timezone: job.timezone,
        next: nextRun(job, now)?.toISOString() ?? null,
        playbook: job.playbook,
        last: last && { runId: last.runId, status: last.status, startedAt: last.startedAt, durationMs: last.durationMs, exitCode: last.exitCode },
      };
    }),
  );
}

export function jobsTable(rows: readonly JobListing[]): string {
  const cells = [
    ['NAME', 'CRON', 'NEXT RUN', 'LAST RESULT'],
    ...rows.map((r) => [
      r.name,
      `${r.cron}${r.timezone ? ` (${r.timezone})` : ''}`,
      r.next ? readableTime(r.next) : 'never',
      r.last ? `${r.last.status}${r.last.exitCode ? ` (exit ${r.last.exitCode})` : ''} at ${r.last.startedAt ? readableTime(r.last.startedAt) : '?'}${r.last.durationMs !== undefined ? `, ${formatDuration(r.last.durationMs)}` : ''} [${r.last.runId}]` : 'no run yet',
    ]),
  ];
  return table(cells);
}

export function table(rows: readonly string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}
