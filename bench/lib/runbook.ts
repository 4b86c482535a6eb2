import { existsSync } from 'node:fs';
import { repoDir } from './compile.js';
import { run, type ProcResult } from './proc.js';

/**
 * How the bench starts runbook: the built CLI (`node dist/cli.js`), as it runs in production,
 * or, when there is no build, from source through tsx (which adds TypeScript compile time that
 * is not runbook's own; the results say which was used).
 */
export interface RunbookCli {
  mode: 'dist' | 'tsx';
  cmd: string;
  args: string[];
}

export function runbookCli(force?: 'dist' | 'tsx'): RunbookCli {
  const dist = `${repoDir}dist/cli.js`;
  if (force !== 'tsx' && existsSync(dist)) return { mode: 'dist', cmd: process.execPath, args: [dist] };
  if (force === 'dist') throw new Error(`${dist} is missing: run npm run build`);
  return { mode: 'tsx', cmd: process.execPath, args: ['--import', 'tsx', `${repoDir}src/cli.ts`] };
}

export interface RunbookEvent {
  type: string;
  time?: string;
  [key: string]: unknown;
}

export interface ApplyRun {
  proc: ProcResult;
  events: RunbookEvent[];
  /** Date.now() just before spawn and just after exit */
  spawnedAt: number;
  exitedAt: number;
  exitCode: number | null;
}

export interface ApplyOptions {
  inventory: string;
  extraVars?: Record<string, string>;
  forks?: number;
  limit?: string;
  timed?: boolean;
  /** run records go to WORKDIR/runs, file locks to WORKDIR/locks (runbook's default lock, kept on) */
  workDir: string;
  nodeArgs?: string[];
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** more apply options */
  extraArgs?: string[];
}

/** `runbook apply PLAYBOOK -i INV --yes -o json`, with the events parsed. */
export async function runbookApply(cli: RunbookCli, playbook: string, o: ApplyOptions): Promise<ApplyRun> {
  const args = [...(o.nodeArgs ?? []), ...cli.args, 'apply', playbook, '-i', o.inventory, '--yes', '-o', 'json', '--runs-dir', `${o.workDir}/runs`, '--locks-dir', `${o.workDir}/locks`];
  if (o.forks !== undefined) args.push('--forks', String(o.forks));
  if (o.limit !== undefined) args.push('--limit', o.limit);
  for (const [k, v] of Object.entries(o.extraVars ?? {})) args.push('-e', `${k}=${v}`);
  args.push(...(o.extraArgs ?? []));
  const spawnedAt = Date.now();
  const proc = await run(cli.cmd, args, { timed: o.timed ?? true, timeoutMs: o.timeoutMs ?? 15 * 60_000, env: o.env ?? process.env });
  const exitedAt = Date.now();
  const events: RunbookEvent[] = [];
  for (const line of proc.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      events.push(JSON.parse(line) as RunbookEvent);
    } catch {
      // not an event line
    }
  }
  return { proc, events, spawnedAt, exitedAt, exitCode: proc.code };
}

export function assertApplyOk(r: ApplyRun, what: string): void {
  if (r.exitCode === 0) return;
  const end = r.events.find((e) => e.type === 'run:end');
  const failures = r.events
    .filter((e) => e.type === 'host:end' && e.status === 'failed')
    .map((e) => `  ${String(e.host)} ${String(e.task)}: ${String(e.msg)}`)
    .slice(0, 10);
  throw new Error(
    `${what}: runbook exited ${r.exitCode}${end?.message ? `: ${String(end.message)}` : ''}\n${failures.join('\n')}\n${r.proc.stderr.trim().split('\n').slice(-20).join('\n')}`,
  );
}

const at = (e: RunbookEvent | undefined): number => (e?.time ? Date.parse(e.time) : Number.NaN);

/** Where the wall time of one apply went, from the event timestamps (ms resolution). */
export interface ApplyPhases {
  /** spawn → run:start: Node start-up, imports, reading playbook and inventory */
  startupMs: number;
  /** run:start → last host connected */
  connectMs: number;
  /** last connect → first task started: preflight, confirmation */
  preTasksMs: number;
  /** first task:start → last task:end */
  tasksMs: number;
  /** last task:end → run:end: closing connections, the recap, the run record */
  finishMs: number;
  /** run:end → process gone */
  exitMs: number;
  /** per task and host, mean: host:start → its first cmd event (rendering, checks, context) */
  preCmdMs: number;
  /** per task and host, mean: first cmd → host:end (the command's round trip as runbook sees it) */
  cmdMs: number;
  /** per task, mean: task:start → task:end minus the slowest host's host:start → host:end */
  taskOverheadMs: number;
  /** per task, mean: task:end → the next task:start */
  betweenTasksMs: number;
}

export function applyPhases(r: ApplyRun): ApplyPhases {
  const ev = r.events;
  const start = at(ev.find((e) => e.type === 'run:start'));
  const connects = ev.filter((e) => e.type === 'host:connect').map(at);
  const lastConnect = connects.length ? Math.max(...connects) : start;
  const taskStarts = ev.filter((e) => e.type === 'task:start' && e.phase === 'task').map(at);
  const taskEnds = ev.filter((e) => e.type === 'task:end' && e.phase === 'task').map(at);
  const firstTask = taskStarts.length ? Math.min(...taskStarts) : lastConnect;
  const lastTask = taskEnds.length ? Math.max(...taskEnds) : firstTask;
  const end = at(ev.find((e) => e.type === 'run:end'));
  // per task and host: host:start, first cmd, host:end (events of the task phase only)
  const pre: number[] = [];
  const cmd: number[] = [];
  const overhead: number[] = [];
  const between: number[] = [];
  const open = new Map<string, { start: number; cmd?: number }>();
  let taskStart = Number.NaN;
  let slowest = 0;
  let lastTaskEnd = Number.NaN;
  for (const e of ev) {
    if ((e.type === 'task:start' || e.type === 'task:end' || e.type === 'host:start' || e.type === 'host:end') && e.phase !== 'task') continue;
    const key = `${String(e.task)}\0${String(e.host)}`;
    if (e.type === 'task:start') {
      taskStart = at(e);
      slowest = 0;
      if (Number.isFinite(lastTaskEnd)) between.push(taskStart - lastTaskEnd);
    } else if (e.type === 'host:start') open.set(key, { start: at(e) });
    else if (e.type === 'cmd') {
      const o = open.get(key);
      if (o && o.cmd === undefined) o.cmd = at(e);
    } else if (e.type === 'host:end') {
      const o = open.get(key);
      if (o) {
        if (o.cmd !== undefined) {
          pre.push(o.cmd - o.start);
          cmd.push(at(e) - o.cmd);
        }
        slowest = Math.max(slowest, at(e) - o.start);
        open.delete(key);
      }
    } else if (e.type === 'task:end') {
      lastTaskEnd = at(e);
      overhead.push(lastTaskEnd - taskStart - slowest);
    }
  }
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);
  return {
    preCmdMs: mean(pre),
    cmdMs: mean(cmd),
    taskOverheadMs: mean(overhead),
    betweenTasksMs: mean(between),
    startupMs: start - r.spawnedAt,
    connectMs: lastConnect - start,
    preTasksMs: firstTask - lastConnect,
    tasksMs: lastTask - firstTask,
    finishMs: end - lastTask,
    exitMs: r.exitedAt - end,
  };
}

/** Per task name: duration from its task:end event (all hosts), in playbook order. */
export function taskDurations(r: ApplyRun): Array<{ task: string; phase: string; ms: number }> {
  return r.events
    .filter((e) => e.type === 'task:end')
    .map((e) => ({ task: String(e.task), phase: String(e.phase), ms: Number(e.durationMs) }));
}
