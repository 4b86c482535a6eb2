/**
 * One scheduled run of a job: `apply` without a terminal (NoTtyPrompter; `yes` from the job),
 * then the job's metrics and retention. Never throws: whatever happens becomes a JobOutcome the
 * scheduler logs, so one bad run cannot stop the schedule.
 *
 * The run's record is its run directory (events.jsonl, summary.json) plus job.json naming the
 * job and tick, which `schedule list` and `history --job` read.
 */
import { NoTtyPrompter } from '../engine/confirm.js';
import type { RunSummary } from '../engine/run.js';
import { RunbookError, exitCodeOf } from '../errors.js';
import { EventBus } from '../events/bus.js';
import type { RunEvent } from '../events/types.js';
import type { ApplyFlags, apply } from '../cli/apply-command.js';
import { backupFromEvents } from './backup-report.js';
import type { ScheduledJob } from './job-schema.js';
import { LockHeldError } from './lock.js';
import { updateMetricsFile, type JobOutcomeForMetrics } from './metrics.js';
import { openBackupStores } from './open-stores.js';
import { executePrune, planPrune } from './prune.js';
import { describePolicy } from './retention.js';
import { writeJobStamp } from './run-history.js';
import { TickAlreadyRunError } from './run-lock.js';
import type { JobOutcome, RunJob, RunJobContext } from './scheduler.js';
import { onlyTrustedFiles } from '../util/trusted-files.js';

export type ApplyFn = typeof apply;

export interface JobRunnerOptions {
  schedulesFile?: string;
  /** the apply flow; tests pass a fake */
  apply?: ApplyFn;
  now?: () => Date;
}

/** apply's flags for a job: non-interactive, plain defaults, the job's own settings */
export function applyFlagsFor(job: ScheduledJob, tick?: Date): ApplyFlags {
  return {
    inventory: job.inventory,
    limit: job.limit,
    extraVars: job.extraVars,
    check: false,
    diff: false,
    forks: job.forks ?? 10,
    yes: job.yes,
    step: false,
    output: 'plain',
    verbose: 0,
    runsDir: job.runsDir,
    user: job.user,
    knownHosts: job.knownHosts,
    acceptNewHostKeys: false,
    sshConfig: job.sshConfig,
    connectTimeout: job.connectTimeout ?? 10,
    askBecomePass: false,
    lock: job.lock,
    lockWait: job.lockWait,
    // the machine's lock directory, where every manual `runbook apply` looks too, wherever it starts
    locksDir: undefined,
    scheduleTick: tick ? { job: job.name, at: tick } : undefined,
  };
}

const NEEDS_YES = 'the job needs a confirmation and has no `yes: true`; a scheduled run cannot ask anyone. Review the playbook\'s confirmation text, then set `yes: true` on the job';

export function jobRunner(opts: JobRunnerOptions = {}): RunJob {
  // loaded on first use: the apply flow pulls in the whole engine and SSH stack
  const applyFn: ApplyFn = opts.apply ?? (async (...args) => (await import('../cli/apply-command.js')).apply(...args));
  const now = opts.now ?? (() => new Date());
  return async (job, ctx) => {
    const startedAt = now();
    const bus = new EventBus();
    const reports: RunEvent[] = [];
    bus.on((e) => {
      if (e.type === 'run:start') {
        ctx.started(e.runId);
        writeJobStamp(e.runDir, { job: job.name, tick: ctx.tick.toISOString(), schedulesFile: opts.schedulesFile }).catch((err: Error) => ctx.log('warning', { msg: `cannot write job.json: ${err.message}` }));
      } else if (e.type === 'host:end') reports.push(e);
      else if (e.type === 'warning') ctx.log('warning', { host: e.host, msg: e.message });
    });

    let outcome: JobOutcome;
    let summary: RunSummary | undefined;
    try {
      // every file the run reads must be one only root or this user can change (util/trusted-files.ts)
      summary = await onlyTrustedFiles(() => applyFn(job.playbook, applyFlagsFor(job, ctx.tick), { bus, prompter: new NoTtyPrompter(), signal: ctx.signal }));
      const ok = summary.status === 'ok';
      const unconfirmed = summary.status === 'refused' && summary.exitCode === 5;
      outcome = {
        status: ok ? 'ok' : 'failed',
        exitCode: summary.exitCode,
        runId: summary.runId,
        durationMs: summary.durationMs,
        runStatus: summary.status,
        message: unconfirmed ? `${summary.message ?? 'not confirmed'}: ${NEEDS_YES}` : summary.message,
      };
    } catch (err) {
      const durationMs = now().getTime() - startedAt.getTime();
      if (err instanceof LockHeldError || err instanceof TickAlreadyRunError) {
        outcome = { status: 'skipped', exitCode: err.exitCode, durationMs, message: err.message };
      } else {
        const message = err instanceof RunbookError ? `${err.message}${err.hint ? ` (${err.hint})` : ''}` : ((err as Error)?.stack ?? String(err));
        outcome = { status: 'failed', exitCode: exitCodeOf(err), durationMs, message };
      }
    }

    const backup = outcome.status === 'ok' ? backupFromEvents(reports) : undefined;
    if (backup) ctx.log('backup', { run: outcome.runId, path: backup.path, size: backup.size, revision: backup.revision, host: backup.host });
    if (job.metricsFile) {
      const m: JobOutcomeForMetrics =
        outcome.status === 'skipped'
          ? { job: job.name, kind: 'skipped' }
          : { job: job.name, kind: 'run', ok: outcome.status === 'ok', startedAt: summary ? new Date(summary.startedAt) : startedAt, durationMs: outcome.durationMs, backup };
      await updateMetricsFile(job.metricsFile, m).catch((err: Error) => ctx.log('error', { msg: `cannot write metrics file ${job.metricsFile}: ${err.message}` }));
    }
    if (job.retention && outcome.status === 'ok') await onlyTrustedFiles(() => applyJobRetention(job, ctx, now()));
    return outcome;
  };
}

/** prune after a successful run only: a failing backup job must not also eat its history */
async function applyJobRetention(job: ScheduledJob, ctx: RunJobContext, now: Date): Promise<void> {
  const r = job.retention!;
  try {
    const open = await openBackupStores({
      dir: r.dir,
      host: r.host,
      become: r.become,
      inventory: job.inventory,
      connect: { user: job.user, knownHosts: job.knownHosts, sshConfigFile: job.sshConfig, connectTimeoutMs: (job.connectTimeout ?? 10) * 1000 },
    });
    try {
      for (const store of open.stores) {
        const plan = await planPrune(store, r, now);
        const deleted = await executePrune(store, plan);
        ctx.log('prune', { where: store.where, policy: describePolicy(r), kept: plan.decisions.length - plan.remove.length, deleted: plan.remove.length, files: deleted.length ? deleted.join(',') : undefined });
      }
    } finally {
      await open.close();
    }
  } catch (err) {
    ctx.log('error', { msg: `retention for ${r.host ? `${r.host}:` : ''}${r.dir} failed, nothing more was deleted: ${(err as Error).message}` });
  }
}
