import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ProcResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** measured here, around spawn → exit, with performance.now() */
  wallMs: number;
  /** from /usr/bin/time when `timed`: CPU of the process and of every child it waited for */
  userMs?: number;
  sysMs?: number;
  /** peak RSS of the process (for a tree: of its largest waited-for member), KiB */
  maxRssKb?: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** run under `/usr/bin/time -v` for CPU time and peak RSS */
  timed?: boolean;
  timeoutMs?: number;
  input?: string;
  /** keep at most this many characters of stdout (big JSON event streams are fine, binaries not) */
  maxOutput?: number;
}

export const TIME_BIN = '/usr/bin/time';

export function haveGnuTime(): boolean {
  const r = spawnSync(TIME_BIN, ['-v', 'true'], { encoding: 'utf8' });
  return r.status === 0 && /Maximum resident set size/.test(r.stderr);
}

let timeDir: string | undefined;
/** process groups of the commands running now (each is spawned as its own group) */
const running = new Set<number>();

/** SIGTERM every command this process started and is still waiting for (on Ctrl-C). */
export function stopRunning(): void {
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

/** Run one command to completion; never rejects for a non-zero exit (callers decide). */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<ProcResult> {
  timeDir ??= mkdtempSync(join(tmpdir(), 'runbook-bench-time-'));
  const timeFile = join(timeDir, `${process.pid}-${Math.random().toString(36).slice(2)}.txt`);
  const [file, argv] = opts.timed ? [TIME_BIN, ['-v', '-o', timeFile, cmd, ...args]] : [cmd, [...args]];
  const max = opts.maxOutput ?? 64 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // its own process group, so a timeout can stop the command and whatever it started
    const child = spawn(file, argv, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    if (child.pid !== undefined) running.add(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (stdout.length < max) stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < 1024 * 1024) stderr += d;
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs) {
      timer = setTimeout(() => {
        stderr += `\n[bench] timed out after ${opts.timeoutMs} ms; killed\n`;
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, opts.timeoutMs);
    }
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const wallMs = performance.now() - started;
      if (child.pid !== undefined) running.delete(child.pid);
      clearTimeout(timer);
      const r: ProcResult = { code, signal, wallMs, stdout, stderr };
      if (opts.timed) {
        try {
          Object.assign(r, parseTimeV(readFileSync(timeFile, 'utf8')));
          rmSync(timeFile, { force: true });
        } catch {
          // time could not write its report (killed): leave the fields out
        }
      }
      resolve(r);
    });
  });
}

export function parseTimeV(text: string): Pick<ProcResult, 'userMs' | 'sysMs' | 'maxRssKb'> {
  const num = (re: RegExp): number | undefined => {
    const m = re.exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const user = num(/User time \(seconds\): ([\d.]+)/);
  const sys = num(/System time \(seconds\): ([\d.]+)/);
  const rss = num(/Maximum resident set size \(kbytes\): (\d+)/);
  const out: Pick<ProcResult, 'userMs' | 'sysMs' | 'maxRssKb'> = {};
  if (user !== undefined) out.userMs = user * 1000;
  if (sys !== undefined) out.sysMs = sys * 1000;
  if (rss !== undefined) out.maxRssKb = rss;
  return out;
}

/** Like run, but throws with the command's output when it does not exit 0. */
export async function runOk(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<ProcResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    const tail = (s: string) => s.trim().split('\n').slice(-25).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.code ?? r.signal}\n--- stdout (tail)\n${tail(r.stdout)}\n--- stderr (tail)\n${tail(r.stderr)}`);
  }
  return r;
}

export function cpuMs(r: ProcResult): number {
  return r.userMs !== undefined && r.sysMs !== undefined ? r.userMs + r.sysMs : Number.NaN;
}

export function cleanupTimeDir(): void {
  if (timeDir) rmSync(timeDir, { recursive: true, force: true });
}
