/**
 * Past runs, read back from their run directories (`<runs-dir>/<run_id>/summary.json` and
 * `events.jsonl`, written by the engine's RunRecorder) plus `job.json`, which the scheduler
 * adds to the runs it starts. A directory without a summary is a run still going, or one that
 * was killed before it could finish its record.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import type { RunSummary } from '../engine/run.js';
import type { RunEvent } from '../events/types.js';

export interface JobStamp {
  job: string;
  /** the cron tick the run was for */
  tick?: string;
  schedulesFile?: string;
}

export interface RunRecord {
  runId: string;
  dir: string;
  startedAt?: string;
  playbook?: string;
  inventory: string[];
  status: RunSummary['status'] | 'unfinished';
  exitCode?: number;
  durationMs?: number;
  user?: string;
  controller?: string;
  message?: string;
  check?: boolean;
  job?: string;
  summary?: RunSummary;
}

export const JOB_STAMP_FILE = 'job.json';

export async function writeJobStamp(runDir: string, stamp: JobStamp): Promise<void> {
  await writeFile(join(runDir, JOB_STAMP_FILE), `${JSON.stringify(stamp, null, 2)}\n`, { mode: 0o600 });
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** events of a run, skipping a torn last line (the run was killed mid-write) */
export async function readRunEvents(dir: string): Promise<RunEvent[]> {
  const path = join(dir, 'events.jsonl');
  if (!existsSync(path)) return [];
  const events: RunEvent[] = [];
  for (const line of (await readFile(path, 'utf8')).split('\n')) {
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line) as RunEvent);
    } catch {
      // a partial line
    }
  }
  return events;
}

export async function readRun(runsDir: string, runId: string): Promise<RunRecord> {
  const dir = join(runsDir, runId);
  const [summary, stamp] = await Promise.all([readJson<RunSummary>(join(dir, 'summary.json')), readJson<JobStamp>(join(dir, JOB_STAMP_FILE))]);
  if (summary) {
    return {
      runId,
      dir,
      startedAt: summary.startedAt,
      playbook: summary.playbook,
      inventory: summary.inventory ?? [],
      status: summary.status,
      exitCode: summary.exitCode,
      durationMs: summary.durationMs,
      user: summary.user,
      controller: summary.controller,
      message: summary.message,
      check: summary.check,
      job: stamp?.job,
      summary,
    };
  }
  const start = (await readRunEvents(dir)).find((e): e is Extract<RunEvent, { type: 'run:start' }> => e.type === 'run:start');
  return {
    runId,
    dir,
    startedAt: start?.time ?? startFromRunId(runId),
    playbook: start?.playbook,
    inventory: start?.inventory ?? [],
    status: 'unfinished',
    check: start?.check,
    job: stamp?.job,
  };
}

/** `20261122T101502Z-3f9a` -> `2026-11-22T10:15:02.000Z` */
function startFromRunId(runId: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(runId);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.000Z` : undefined;
}

async function runIds(runsDir: string): Promise<string[]> {
  if (!existsSync(runsDir)) return [];
  const entries = await readdir(runsDir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory() && existsSync(join(runsDir, e.name, 'events.jsonl'))).map((e) => e.name);
}

/** newest first */
export async function listRuns(runsDir: string, opts: { limit?: number; job?: string } = {}): Promise<RunRecord[]> {
  // run ids start with their UTC start time, so the name order is the time order
  const ids = (await runIds(runsDir)).sort().reverse();
  const out: RunRecord[] = [];
  for (const id of ids) {
    const r = await readRun(runsDir, id);
    if (opts.job !== undefined && r.job !== opts.job) continue;
    out.push(r);
    if (opts.limit !== undefined && out.length >= opts.limit) break;
  }
  return out;
}

/** a run by its id or a unique prefix of it */
export async function findRun(runsDir: string, idOrPrefix: string): Promise<RunRecord> {
  const ids = await runIds(runsDir);
  if (ids.includes(idOrPrefix)) return readRun(runsDir, idOrPrefix);
  const matches = ids.filter((id) => id.startsWith(idOrPrefix));
  if (matches.length === 1) return readRun(runsDir, matches[0]!);
  throw new ConfigError({
    message: matches.length ? `run id "${idOrPrefix}" is ambiguous: ${matches.slice(0, 5).join(', ')}${matches.length > 5 ? ', ...' : ''}` : `no run "${idOrPrefix}" in ${runsDir}`,
    hint: matches.length ? 'give more of the id' : '`runbook history` lists the runs; --runs-dir if they are elsewhere',
  });
}
