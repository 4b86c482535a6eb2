/**
 * The `runbook schedule run` loop: start each job at its cron ticks, never two runs of one job
 * at once, keep going whatever a run does, and stop cleanly.
 *
 * - A tick that comes while the job's previous run is still going is skipped and logged; it is
 *   not queued (a backup that starts late and then back to back helps nobody).
 * - A run that fails, or throws, is logged and the job stays scheduled.
 * - stop(): no new runs; resolves when the running ones have finished.
 * - update(jobs): the schedules file changed; new jobs are watched, removed ones stop firing,
 *   changed ones fire on their new schedule. A run in progress finishes as it started.
 *
 * Running a job (apply, metrics, retention) is job-runner.ts's business; timers are the
 * TickSource's. Both are injected, so tests drive the loop with fake ticks and fake runs.
 */
import { formatDuration } from './duration.js';
import type { ScheduledJob } from './job-schema.js';
import { logLine, type LogFields } from './log-line.js';
import { cronTicks, type TickSource, type TickWatch } from './cron-ticks.js';

export interface JobOutcome {
  /** skipped: another scheduler or run had it (lock held, tick already run) */
  status: 'ok' | 'failed' | 'skipped';
  exitCode: number;
  runId?: string;
  durationMs: number;
  /** the run's own status (rolled_back, refused, ...) when there was a run */
  runStatus?: string;
  message?: string;
}

export interface RunJobContext {
  tick: Date;
  /** aborted by a second SIGINT/SIGTERM: the run rolls back and ends */
  signal: AbortSignal;
  /** the run has its id; the scheduler logs its start line */
  started(runId: string): void;
  /** a line for the scheduler's log, tagged with the job */
  log(event: string, fields?: LogFields): void;
}

export type RunJob = (job: ScheduledJob, ctx: RunJobContext) => Promise<JobOutcome>;

export interface SchedulerOptions {
  jobs: readonly ScheduledJob[];
  runJob: RunJob;
  ticks?: TickSource;
  log?: (line: string) => void;
  now?: () => Date;
  /** a tick was skipped because the job was still running (for metrics) */
  onOverlap?: (job: ScheduledJob, tick: Date) => void | Promise<void>;
}

interface Running {
  since: Date;
  tick: Date;
  runId?: string;
  done: Promise<JobOutcome>;
}

export interface JobChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

export class Scheduler {
  private readonly running = new Map<string, Running>();
  private readonly watches = new Map<string, TickWatch>();
  /** the definition each watch fires, by job name */
  private readonly jobs = new Map<string, ScheduledJob>();
  private ticks: TickSource | undefined;
  private readonly abort = new AbortController();
  private stopping = false;
  private readonly now: () => Date;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: SchedulerOptions) {
    this.now = opts.now ?? (() => new Date());
    this.log = opts.log ?? ((l) => process.stdout.write(`${l}\n`));
  }

  private say(event: string, fields: LogFields): void {
    this.log(logLine(this.now(), event, fields));
  }

  /** watch every job's schedule */
  start(): void {
    this.ticks = this.opts.ticks ?? cronTicks();
    for (const job of this.opts.jobs) this.watch(job);
  }

  private watch(job: ScheduledJob): void {
    const watch = this.ticks!.watch({ cron: job.cron, timezone: job.timezone }, (at) => void this.tick(job, at));
    this.watches.set(job.name, watch);
    this.jobs.set(job.name, job);
    this.say('scheduled', { job: job.name, cron: job.cron, tz: job.timezone, next: watch.next()?.toISOString() });
  }

  private unwatch(name: string): void {
    this.watches.get(name)?.stop();
    this.watches.delete(name);
    this.jobs.delete(name);
  }

  /** Replace the job list (after start); returns what changed. Ignored once stopping. */
  update(jobs: readonly ScheduledJob[]): JobChanges {
    const changes: JobChanges = { added: [], removed: [], changed: [] };
    if (this.stopping || !this.ticks) return changes;
    const wanted = new Map(jobs.map((j) => [j.name, j]));
    for (const name of [...this.watches.keys()]) {
      if (wanted.has(name)) continue;
      this.unwatch(name);
      changes.removed.push(name);
      this.say('unscheduled', { job: name, running: this.running.get(name)?.runId });
    }
    for (const job of jobs) {
      const old = this.jobs.get(job.name);
      // a job is plain data from the file: equal text, equal job
      if (old && JSON.stringify(old) === JSON.stringify(job)) continue;
      if (old) {
        this.unwatch(job.name);
        changes.changed.push(job.name);
      } else {
        changes.added.push(job.name);
      }
      this.watch(job);
    }
    return changes;
  }

  /** the next tick of each job */
  upcoming(): { job: string; next: Date | null }[] {
    return [...this.watches].map(([job, w]) => ({ job, next: w.next() }));
  }

  /** jobs running now, with their run ids once known */
  runningJobs(): { job: string; since: Date; runId?: string }[] {
    return [...this.running].map(([job, r]) => ({ job, since: r.since, runId: r.runId }));
  }

  /**
   * One tick of `job`, due at `at`: start a run unless one is still going (or the scheduler is
   * stopping). Returns the run's outcome, or undefined when the tick was skipped.
   */
  tick(job: ScheduledJob, at: Date): Promise<JobOutcome> | undefined {
    if (this.stopping) {
      this.say('skip', { job: job.name, tick: at.toISOString(), reason: 'the scheduler is stopping' });
      return undefined;
    }
    const busy = this.running.get(job.name);
    if (busy) {
      this.say('skip', {
        job: job.name,
        tick: at.toISOString(),
        reason: `the previous run${busy.runId ? ` ${busy.runId}` : ''} (tick ${busy.tick.toISOString()}) is still running since ${busy.since.toISOString()}`,
      });
      void Promise.resolve(this.opts.onOverlap?.(job, at)).catch((e: Error) => this.say('error', { job: job.name, msg: `recording the skipped tick failed: ${e.message}` }));
      return undefined;
    }
    const entry = { since: this.now(), tick: at } as Running;
    this.running.set(job.name, entry);
    entry.done = this.runOne(job, at, entry).finally(() => this.running.delete(job.name));
    return entry.done;
  }

  private async runOne(job: ScheduledJob, at: Date, entry: Running): Promise<JobOutcome> {
    const started = Date.now();
    let outcome: JobOutcome;
    try {
      outcome = await this.opts.runJob(job, {
        tick: at,
        signal: this.abort.signal,
        started: (runId) => {
          entry.runId = runId;
          this.say('start', { job: job.name, run: runId, tick: at.toISOString() });
        },
        log: (event, fields = {}) => this.say(event, { job: job.name, ...fields }),
      });
    } catch (err) {
      // a runner bug must not take the scheduler down with it
      outcome = { status: 'failed', exitCode: 1, runId: entry.runId, durationMs: Date.now() - started, message: `the run crashed: ${(err as Error)?.stack ?? String(err)}` };
    }
    if (outcome.status === 'skipped') {
      this.say('skip', { job: job.name, tick: at.toISOString(), reason: outcome.message });
    } else {
      this.say('end', {
        job: job.name,
        run: outcome.runId ?? entry.runId ?? '-',
        status: outcome.runStatus ?? outcome.status,
        exit: outcome.exitCode,
        duration: formatDuration(outcome.durationMs),
        msg: outcome.status === 'failed' ? outcome.message : undefined,
      });
    }
    return outcome;
  }

  /** stop taking runs; resolves when the running ones have ended */
  async stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      for (const w of this.watches.values()) w.stop();
      const running = this.runningJobs();
      this.say('stopping', { running: running.length ? running.map((r) => r.runId ?? r.job).join(',') : 'none' });
    }
    await this.idle();
  }

  /** abort the running runs (they roll back); used on a second stop signal */
  abortRunning(): void {
    this.abort.abort();
  }

  /** resolves when no run is going */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }
}
