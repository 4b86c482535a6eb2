/**
 * Whether a scheduler (`runbook schedule run`) is running for a schedules file, so that
 * `schedule list` can say so: jobs in a file nobody runs never run. The scheduler writes
 * `<file>.scheduler.json` (its pid, host and start) while it runs and removes it when it stops;
 * a file left by a scheduler that died names a pid that is gone.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { pidAlive } from './file-lock.js';
import { readableTime } from './lock.js';

interface Presence {
  pid: number;
  host: string;
  since: string;
}

export function presenceFile(schedulesFile: string): string {
  return `${schedulesFile}.scheduler.json`;
}

/** marks the scheduler as running; the returned function clears the mark */
export function markSchedulerRunning(schedulesFile: string): () => void {
  const file = presenceFile(schedulesFile);
  const me: Presence = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  try {
    writeFileSync(file, `${JSON.stringify(me)}\n`, { mode: 0o644 });
  } catch {
    return () => undefined; // a read-only directory: list cannot tell, the jobs still run
  }
  const clear = () => {
    try {
      const now = JSON.parse(readFileSync(file, 'utf8')) as Presence;
      if (now.pid === me.pid && now.host === me.host) rmSync(file, { force: true });
    } catch {
      // gone already
    }
  };
  process.once('exit', clear);
  return () => {
    process.off('exit', clear);
    clear();
  };
}

/** one line for `schedule list`: running (pid, since) or not, and how to start one */
export function schedulerStatus(schedulesFile: string): string {
  const file = presenceFile(schedulesFile);
  const notRunning = `scheduler: NOT running for ${schedulesFile}: these jobs run only while \`runbook schedule run\` runs (or once installed: \`runbook schedule install\`)`;
  if (!existsSync(file)) return notRunning;
  try {
    const p = JSON.parse(readFileSync(file, 'utf8')) as Presence;
    if (p.host !== hostname()) return `scheduler: running on ${p.host} (pid ${p.pid}, since ${readableTime(p.since)}), as far as ${file} says`;
    if (!pidAlive(p.pid)) return `${notRunning} (the last one, pid ${p.pid}, is gone)`;
    return `scheduler: running (pid ${p.pid}, since ${readableTime(p.since)})`;
  } catch {
    return notRunning;
  }
}
