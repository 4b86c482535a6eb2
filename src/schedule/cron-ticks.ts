/**
 * Timers for cron schedules. croner computes the fire times; the timer is ours so that each
 * tick carries its scheduled time (not the moment the timer happened to wake), which is what
 * schedulers on several machines compare to run each tick once.
 *
 * Timers sleep at most a minute at a time and re-check the clock, so a long wait survives
 * setTimeout's 24-day limit and a clock step. Ticks missed while the process was stopped or
 * the machine asleep are not replayed: the scheduler fires the one that was due and moves on.
 */
import { nextRun, type CronSpec } from './cron.js';

export interface TickWatch {
  stop(): void;
  /** the next tick, or null when the schedule never fires again */
  next(): Date | null;
}

export interface TickSource {
  watch(spec: CronSpec, onTick: (at: Date) => void): TickWatch;
}

const MAX_SLEEP_MS = 60_000;

export function cronTicks(now: () => number = Date.now): TickSource {
  return {
    watch(spec, onTick) {
      let timer: NodeJS.Timeout | undefined;
      let stopped = false;
      let upcoming: Date | null = null;
      const arm = (after: Date) => {
        upcoming = nextRun(spec, after);
        if (stopped || upcoming === null) return;
        const due = upcoming;
        const wait = () => {
          if (stopped) return;
          const left = due.getTime() - now();
          if (left > 0) {
            timer = setTimeout(wait, Math.min(left, MAX_SLEEP_MS));
            return;
          }
          onTick(due);
          // from now, not from `due`: ticks that passed while asleep are not fired one by one
          arm(new Date(Math.max(due.getTime(), now())));
        };
        wait();
      };
      arm(new Date(now()));
      return {
        stop: () => {
          stopped = true;
          if (timer) clearTimeout(timer);
        },
        next: () => upcoming,
      };
    },
  };
}
