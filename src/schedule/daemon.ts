/**
 * `runbook schedule run`: the foreground scheduler (for systemd, a container, or a terminal),
 * or with `once` a single run of one job (what timers and crontab lines start).
 *
 * Signals: the first SIGTERM/SIGINT stops taking new runs and waits for the running ones,
 * then exits 0; a second one aborts the running runs (they roll back); a third exits at once.
 */
import { ConfigError } from '../errors.js';
import { previousRun } from './cron.js';
import type { TickSource } from './cron-ticks.js';
import { jobRunner } from './job-runner.js';
import { logLine } from './log-line.js';
import { updateMetricsFile } from './metrics.js';
import { Scheduler, type RunJob } from './scheduler.js';
import { findJob, loadSchedules } from './schedules-file.js';

export interface SignalSource {
  on(signal: NodeJS.Signals, fn: () => void): unknown;
  off(signal: NodeJS.Signals, fn: () => void): unknown;
}

export interface DaemonOptions {
  file: string;
  /** run this job once now and exit with its result */
  once?: string;
  /**
   * with `once`: the run stands for the job's latest scheduled tick, so schedulers sharing an
   * etcd lock run it once between them, and a tick another one took counts as done (exit 0)
   */
  due?: boolean;
  log?: (line: string) => void;
  runJob?: RunJob;
  ticks?: TickSource;
  signals?: SignalSource;
  exit?: (code: number) => void;
  now?: () => Date;
}

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

export async function runSchedules(opts: DaemonOptions): Promise<number> {
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const now = opts.now ?? (() => new Date());
  const schedules = await loadSchedules(opts.file, { mustExist: true });
  if (schedules.jobs.length === 0) {
    throw new ConfigError({ message: `${opts.file} has no jobs`, hint: 'add one with `runbook schedule add NAME --playbook ... -i ... --cron ...`' });
  }
  const jobs = opts.once !== undefined ? [findJob(schedules, opts.once)] : schedules.jobs;
  const scheduler = new Scheduler({
    jobs,
    runJob: opts.runJob ?? jobRunner({ schedulesFile: opts.file }),
    ticks: opts.ticks,
    log,
    now,
    onOverlap: (job) => (job.metricsFile ? updateMetricsFile(job.metricsFile, { job: job.name, kind: 'skipped' }) : undefined),
  });

  const signals = opts.signals ?? process;
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let received = 0;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  const onSignal = () => {
    received++;
    if (received === 1) {
      log(logLine(now(), 'signal', { msg: 'stopping: no new runs; waiting for running ones (signal again to abort them, they roll back)' }));
      void scheduler.stop().then(resolveStopped);
    } else if (received === 2) {
      log(logLine(now(), 'signal', { msg: 'aborting running runs; they roll back (signal again to exit at once)' }));
      scheduler.abortRunning();
    } else exit(130);
  };
  for (const s of STOP_SIGNALS) signals.on(s, onSignal);
  try {
    if (opts.once !== undefined) {
      const job = jobs[0]!;
      const at = opts.due ? (previousRun(job, now()) ?? now()) : now();
      const outcome = await scheduler.tick(job, at);
      await scheduler.stop();
      if (!outcome) return 0;
      return outcome.status === 'skipped' && opts.due ? 0 : outcome.exitCode;
    }
    log(logLine(now(), 'started', { file: opts.file, jobs: jobs.length, pid: process.pid }));
    scheduler.start();
    await stopped;
    log(logLine(now(), 'stopped', {}));
    return 0;
  } finally {
    for (const s of STOP_SIGNALS) signals.off(s, onSignal);
  }
}
