/**
 * Prometheus metrics of scheduled jobs, as a node_exporter textfile-collector file
 * (`--collector.textfile.directory`; the file must end in `.prom`). Several jobs may share one
 * file: each run rewrites only its own job's series. Counters survive scheduler restarts
 * because the previous values are read back from the file. The file is replaced atomically,
 * so the collector never reads half of it.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import type { BackupReport } from './backup-report.js';

export interface JobSeries {
  lastSuccess?: number;
  lastRun?: number;
  lastDuration?: number;
  lastStatus?: number;
  failures: number;
  runs: number;
  skipped: number;
  backupSize?: number;
  backupRevision?: number;
}

export type MetricsState = Map<string, JobSeries>;

type Field = Exclude<keyof JobSeries, never>;

interface Family {
  name: string;
  type: 'gauge' | 'counter';
  help: string;
  field: Field;
}

export const FAMILIES: readonly Family[] = [
  { name: 'runbook_job_last_success_timestamp_seconds', type: 'gauge', field: 'lastSuccess', help: 'Unix time the job last finished successfully.' },
  { name: 'runbook_job_last_run_timestamp_seconds', type: 'gauge', field: 'lastRun', help: 'Unix time the job last started a run.' },
  { name: 'runbook_job_last_duration_seconds', type: 'gauge', field: 'lastDuration', help: 'Duration of the job\'s last run in seconds.' },
  { name: 'runbook_job_last_status', type: 'gauge', field: 'lastStatus', help: 'Result of the job\'s last run: 1 succeeded, 0 failed.' },
  { name: 'runbook_job_failures_total', type: 'counter', field: 'failures', help: 'Runs of the job that failed.' },
  { name: 'runbook_job_runs_total', type: 'counter', field: 'runs', help: 'Runs of the job, successful or not.' },
  { name: 'runbook_job_skipped_total', type: 'counter', field: 'skipped', help: 'Ticks of the job not run: the previous run was still going, or another run held the lock.' },
  { name: 'runbook_backup_last_size_bytes', type: 'gauge', field: 'backupSize', help: 'Size in bytes of the snapshot the job last reported.' },
  { name: 'runbook_backup_last_revision', type: 'gauge', field: 'backupRevision', help: 'etcd revision of the snapshot the job last reported.' },
];

export type JobOutcomeForMetrics =
  | { job: string; kind: 'run'; ok: boolean; startedAt: Date; durationMs: number; backup?: BackupReport }
  | { job: string; kind: 'skipped' };

export function emptySeries(): JobSeries {
  return { failures: 0, runs: 0, skipped: 0 };
}

export function recordOutcome(state: MetricsState, o: JobOutcomeForMetrics): MetricsState {
  const next = new Map(state);
  const s: JobSeries = { ...(state.get(o.job) ?? emptySeries()) };
  if (o.kind === 'skipped') s.skipped += 1;
  else {
    const started = o.startedAt.getTime() / 1000;
    s.runs += 1;
    s.lastRun = started;
    s.lastDuration = o.durationMs / 1000;
    s.lastStatus = o.ok ? 1 : 0;
    if (o.ok) s.lastSuccess = started + o.durationMs / 1000;
    else s.failures += 1;
    if (o.ok && o.backup?.size !== undefined) s.backupSize = o.backup.size;
    if (o.ok && o.backup?.revision !== undefined) s.backupRevision = o.backup.revision;
  }
  next.set(o.job, s);
  return next;
}

export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return String(v);
}

/** the exposition text: HELP and TYPE for every family, then one sample per job that has a value */
export function renderMetrics(state: MetricsState): string {
  const jobs = [...state.keys()].sort();
  const out: string[] = [];
  for (const f of FAMILIES) {
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const job of jobs) {
      const v = state.get(job)![f.field];
      if (v !== undefined) out.push(`${f.name}{job="${escapeLabelValue(job)}"} ${formatValue(v)}`);
    }
  }
  return `${out.join('\n')}\n`;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{job="((?:[^"\\]|\\.)*)"\}\s+(\S+)/;

/** Read back what renderMetrics wrote (other lines are ignored). */
export function parseMetricsState(text: string): MetricsState {
  const byName = new Map(FAMILIES.map((f) => [f.name, f]));
  const state: MetricsState = new Map();
  for (const line of text.split('\n')) {
    const m = SAMPLE.exec(line);
    const family = m && byName.get(m[1]!);
    if (!m || !family) continue;
    const job = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    const value = Number(m[3]);
    if (Number.isNaN(value)) continue;
    const s = state.get(job) ?? emptySeries();
    s[family.field] = value;
    state.set(job, s);
  }
  return state;
}

// runs finishing together in one scheduler must not both read the old file and lose an update
const queues = new Map<string, Promise<unknown>>();

export function updateMetricsFile(path: string, outcome: JobOutcomeForMetrics): Promise<void> {
  const previous = queues.get(path) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(async () => {
    const text = existsSync(path) ? await readFile(path, 'utf8') : '';
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, renderMetrics(recordOutcome(parseMetricsState(text), outcome)));
  });
  queues.set(path, next);
  void next.finally(() => {
    if (queues.get(path) === next) queues.delete(path);
  }).catch(() => undefined);
  return next;
}
