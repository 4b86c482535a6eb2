/**
 * Cron expressions as croner reads them: five fields (minute hour day month weekday), or six
 * with seconds first, or a nickname (@hourly, @daily, @weekly, @monthly, @yearly), evaluated
 * in a time zone (the controller's when none is given). Day of month and day of week, when
 * both are restricted, match either one, as in Vixie cron.
 */
import { Cron } from 'croner';

export interface CronSpec {
  cron: string;
  timezone?: string;
}

/** what is wrong with a time zone name, or undefined when Intl knows it */
export function timezoneProblem(timezone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return undefined;
  } catch {
    return `unknown time zone "${timezone}" (expected an IANA name such as Europe/Berlin or UTC)`;
  }
}

/** what is wrong with the expression, or undefined when it is usable */
export function cronProblem(spec: CronSpec): string | undefined {
  if (spec.timezone !== undefined) {
    const tz = timezoneProblem(spec.timezone);
    if (tz) return tz;
  }
  let job: Cron;
  try {
    job = pausedCron(spec);
  } catch (e) {
    const why = (e as Error).message.replace(/^CronPattern: /, '');
    return `invalid cron expression "${spec.cron}": ${why} (e.g. "0 */6 * * *" for every 6 hours, or six fields with seconds first)`;
  }
  if (job.nextRun() === null) return `cron expression "${spec.cron}" never fires (no such date)`;
  return undefined;
}

function pausedCron(spec: CronSpec): Cron {
  // paused and without a callback: croner only computes, it never starts a timer
  return new Cron(spec.cron.trim(), { timezone: spec.timezone, paused: true });
}

/** the first fire time strictly after `from` */
export function nextRun(spec: CronSpec, from: Date = new Date()): Date | null {
  return pausedCron(spec).nextRun(from);
}

/**
 * The most recent fire time at or before `now`, looking back at most `lookbackMs`:
 * the tick a late-started `--once` run (a systemd timer catching up) belongs to.
 */
export function previousRun(spec: CronSpec, now: Date, lookbackMs = 32 * 86_400_000): Date | undefined {
  const job = pausedCron(spec);
  // widen the window step by step so a seconds-level schedule does not enumerate a month
  for (let window = 60_000; window <= lookbackMs * 2; window *= 8) {
    const start = new Date(now.getTime() - Math.min(window, lookbackMs) - 1000);
    let last: Date | undefined;
    for (let t = job.nextRun(start); t !== null && t.getTime() <= now.getTime(); t = job.nextRun(t)) last = t;
    if (last) return last;
    if (window >= lookbackMs) break;
  }
  return undefined;
}

/** five or six fields; nicknames count as five */
export function hasSecondsField(cron: string): boolean {
  return cron.trim().split(/\s+/).length === 6;
}
