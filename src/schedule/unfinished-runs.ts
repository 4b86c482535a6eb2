/**
 * Runs whose controller died: which hosts they were changing, kept on this controller until
 * the run is undone (`runbook rollback RUN_ID`) or knowingly passed over
 * (`apply --ignore-unfinished REASON`).
 *
 * A run writes one marker per targeted host (named as its lock file, run-lock.ts) before its
 * first step, and removes them when it ends, whatever the result. A marker still there belongs
 * to a run killed on the way (kill -9, power cut); the next `apply` on any of its hosts finds
 * it and refuses. The markers live in a state directory that survives a reboot, unlike the
 * lock directory (/run is a tmpfs):
 *
 *   $RUNBOOK_STATE_DIR             when set
 *   /var/lib/runbook               as root
 *   $XDG_STATE_HOME/runbook        as any other user (else ~/.local/state/runbook)
 *
 * The marker holds the run's record directory (absolute), so `runbook rollback RUN_ID` finds
 * the run from any directory.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { pidAlive } from './file-lock.js';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface UnfinishedMarker {
  runId: string;
  /** absolute */
  runDir: string;
  playbook: string;
  user: string;
  controller: string;
  pid: number;
  since: string;
  /** the inventory names of the hosts the run targeted */
  hosts: string[];
}

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, uid: number = process.getuid?.() ?? 0): string {
  if (env.RUNBOOK_STATE_DIR) return env.RUNBOOK_STATE_DIR;
  if (uid === 0) return '/var/lib/runbook';
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'runbook');
}

const markersDir = (stateDir: string) => join(stateDir, 'unfinished');

/** one marker per host key, on disk (fsync) before this returns */
export function markUnfinished(stateDir: string, hostKeys: readonly string[], marker: UnfinishedMarker): void {
  const dir = markersDir(stateDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const key of hostKeys) {
    const path = join(dir, `${key}.json`);
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(marker, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  }
  const dfd = openSync(dir, 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}

/** every marker, with its host key */
export function readMarkers(stateDir: string): { key: string; marker: UnfinishedMarker }[] {
  let names: string[];
  try {
    names = readdirSync(markersDir(stateDir)).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    try {
      const marker = JSON.parse(readFileSync(join(markersDir(stateDir), n), 'utf8')) as UnfinishedMarker;
      return typeof marker.runId === 'string' && typeof marker.runDir === 'string' ? [{ key: n.slice(0, -'.json'.length), marker }] : [];
    } catch {
      return [];
    }
  });
}

/** drop the markers of one run (all of them, or those of `hostKeys`) */
export function clearUnfinished(stateDir: string, runId: string, hostKeys?: readonly string[]): void {
  for (const { key, marker } of readMarkers(stateDir)) {
    if (marker.runId !== runId || (hostKeys && !hostKeys.includes(key))) continue;
    try {
      unlinkSync(join(markersDir(stateDir), `${key}.json`));
    } catch {
      // already gone
    }
  }
}

/** the run wrote its run:end (it finished; only its marker was left behind) */
export function runFinished(runDir: string): boolean {
  try {
    return readFileSync(join(runDir, 'events.jsonl'), 'utf8').split('\n').some((l) => l.startsWith('{"type":"run:end"'));
  } catch {
    return false;
  }
}

/**
 * The unfinished runs on any of `hostKeys`, oldest first. Markers of runs that did finish are
 * dropped on the way, as are those of `exceptRunId` (the run asking).
 */
export function findUnfinished(stateDir: string, hostKeys: readonly string[], exceptRunId?: string): UnfinishedMarker[] {
  const found = new Map<string, UnfinishedMarker>();
  for (const { key, marker } of readMarkers(stateDir)) {
    if (!hostKeys.includes(key) || marker.runId === exceptRunId) continue;
    // a run still going on this controller is not unfinished: the run lock keeps others out
    if (marker.controller === hostname() && pidAlive(marker.pid)) continue;
    if (runFinished(marker.runDir)) {
      clearUnfinished(stateDir, marker.runId, [key]);
      continue;
    }
    found.set(marker.runId, marker);
  }
  return [...found.values()].sort((a, b) => a.runId.localeCompare(b.runId));
}

/** a run passed over with --ignore-unfinished: said in its own record, for history and review */
export function recordIgnored(runDir: string, note: { reason: string; by: string; at: string; byRun?: string }): void {
  try {
    writeFileSync(join(runDir, 'ignored.json'), `${JSON.stringify(note, null, 2)}\n`, { mode: 0o600 });
  } catch {
    // the record may be gone; the new run's own record says it too
  }
}
