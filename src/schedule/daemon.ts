/**
 * `runbook schedule run`: the foreground scheduler (for systemd, a container, or a terminal),
 * or with `once` a single run of one job (what timers and crontab lines start).
 *
 * Signals: the first SIGTERM/SIGINT stops taking new runs and waits for the running ones,
 * then exits 0; a second one aborts the running runs (they roll back); a third exits at once.
 *
 * The schedules file is read again when it changes (`schedule add` / `remove`, an editor) and
 * on SIGHUP. A file that no longer loads is logged and the jobs stay as they were: a bad edit
 * never stops the backups that were running fine.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { ConfigError } from '../errors.js';
import { previousRun } from './cron.js';
import type { TickSource } from './cron-ticks.js';
import { jobRunner } from './job-runner.js';
import { logLine } from './log-line.js';
import { updateMetricsFile } from './metrics.js';
import { Scheduler, type RunJob } from './scheduler.js';
import { markSchedulerRunning } from './scheduler-presence.js';
import { findJob, loadSchedules, type SchedulesFile } from './schedules-file.js';
import { checkTrustedFile, onlyTrustedFiles } from '../util/trusted-files.js';

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
  /** read the file again when it changes (default true; SIGHUP always does) */
  watchFile?: boolean;
}

/** editors and `schedule add` write in bursts (temp file, rename): one reload per burst */
const RELOAD_SETTLE_MS = 200;

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

export async function runSchedules(opts: DaemonOptions): Promise<number> {
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const now = opts.now ?? (() => new Date());
  const schedules = await loadTrustedSchedules(opts.file);
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
    const clearPresence = markSchedulerRunning(opts.file);
    scheduler.start();
    const reloads = reloader(opts.file, scheduler, log, now);
    const onHangup = () => reloads.request('SIGHUP');
    signals.on('SIGHUP', onHangup);
    const watcher = opts.watchFile === false ? undefined : watchFile(opts.file, () => reloads.request('the file changed'), log, now);
    try {
      await stopped;
    } finally {
      signals.off('SIGHUP', onHangup);
      watcher?.close();
      reloads.cancel();
      clearPresence();
    }
    log(logLine(now(), 'stopped', {}));
    return 0;
  } finally {
    for (const s of STOP_SIGNALS) signals.off(s, onSignal);
  }
}

/**
 * The scheduler runs what the file says, unattended and often as root: a file (or a directory
 * above it) that someone else can write is refused (util/trusted-files.ts).
 */
function loadTrustedSchedules(file: string): Promise<SchedulesFile> {
  return onlyTrustedFiles(() => {
    checkTrustedFile(file, 'schedules file');
    return loadSchedules(file, { mustExist: true });
  });
}

/** Reloads one at a time; requests that come while one is pending are folded into it. */
function reloader(file: string, scheduler: Scheduler, log: (line: string) => void, now: () => Date) {
  let timer: NodeJS.Timeout | undefined;
  let chain = Promise.resolve();
  const reasons = new Set<string>();
  const reload = async () => {
    const why = [...reasons].join(', ');
    reasons.clear();
    try {
      const schedules = await loadTrustedSchedules(file);
      const c = scheduler.update(schedules.jobs);
      const list = (names: string[]) => (names.length ? names.join(',') : undefined);
      log(logLine(now(), 'reloaded', { file, why, jobs: schedules.jobs.length, added: list(c.added), removed: list(c.removed), changed: list(c.changed) }));
    } catch (err) {
      log(logLine(now(), 'error', { file, why, msg: `not reloaded, the jobs stay as they were: ${(err as Error).message}` }));
    }
  };
  return {
    request(why: string): void {
      reasons.add(why);
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        chain = chain.then(reload);
      }, RELOAD_SETTLE_MS);
    },
    cancel(): void {
      if (timer) clearTimeout(timer);
    },
  };
}

/** the file's folder is watched, not the file: `schedule add` replaces the file by a rename */
function watchFile(file: string, changed: () => void, log: (line: string) => void, now: () => Date): FSWatcher | undefined {
  const name = basename(file);
  try {
    const w = watch(dirname(file), { persistent: false }, (_event, f) => {
      if (f === null || f.toString() === name) changed();
    });
    w.on('error', (err) => log(logLine(now(), 'error', { file, msg: `watching the file stopped (${err.message}); send SIGHUP after editing it` })));
    return w;
  } catch (err) {
    log(logLine(now(), 'warning', { file, msg: `cannot watch the file (${(err as Error).message}); send SIGHUP after editing it` }));
    return undefined;
  }
}
