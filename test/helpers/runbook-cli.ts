/**
 * Runs the real command line as built (`node dist/cli.js apply ...`: the launcher, the one-file
 * build and its code cache, what an operator installs) as a child process, the way they would, with `-o json`, and hands back its exit code and events. Every call
 * gets the runs and locks directories of its CliSession, so tests stay independent of each
 * other and of the repository's own .runbook directory.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventOf, RunEvent } from '../../src/events/types.js';
import { childOutput } from './child-output.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cliEntry = join(repoRoot, 'dist/cli.js');

/** node's arguments that start the built CLI; `npm test` builds first, a bare `ava` must too */
export function cliCommand(): string[] {
  if (!existsSync(cliEntry)) throw new Error(`${cliEntry} is missing: run \`npm run build\` before the end-to-end tests`);
  return [cliEntry];
}

export interface CliResult {
  args: string[];
  code: number;
  stdout: string;
  stderr: string;
  /** the JSON events printed on stdout, in order */
  events: RunEvent[];
  /** the run:end event, when the run got that far */
  end?: EventOf<'run:end'>;
  start?: EventOf<'run:start'>;
  durationMs: number;
}

export interface ApplyOptions {
  inventory: string;
  /** passed as one `-e` JSON object */
  vars?: Record<string, string | number | boolean>;
  /** more command-line arguments, e.g. ['--check'] */
  args?: string[];
  /** default true */
  yes?: boolean;
  timeoutMs?: number;
}

export async function runCli(args: string[], timeoutMs = 300_000): Promise<CliResult> {
  const started = Date.now();
  const child = spawn(process.execPath, [...cliCommand(), ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  const { code, signal, stdout, stderr, timedOut } = await childOutput(child, timeoutMs);
  if (timedOut) throw new Error(`runbook ${args.join(' ')} timed out after ${timeoutMs} ms\nstderr: ${stderr}\nstdout (tail): ${stdout.slice(-4000)}`);
  const events = parseEvents(stdout);
  return {
    args,
    code: code ?? (signal ? 128 : -1),
    stdout,
    stderr,
    events,
    end: events.find((e): e is EventOf<'run:end'> => e.type === 'run:end'),
    start: events.find((e): e is EventOf<'run:start'> => e.type === 'run:start'),
    durationMs: Date.now() - started,
  };
}

/** one JSON event per line; anything else on stdout is ignored */
export function parseEvents(text: string): RunEvent[] {
  const out: RunEvent[] = [];
  for (const line of text.split('\n')) {
    const l = line.trim();
    if (!l.startsWith('{')) continue;
    try {
      const e = JSON.parse(l) as RunEvent;
      if (typeof e.type === 'string') out.push(e);
    } catch {
      // not an event
    }
  }
  return out;
}

/** A temporary directory with the runs dir and locks dir shared by the runs of one test file. */
export class CliSession {
  readonly dir: string;
  readonly runsDir: string;
  readonly locksDir: string;

  constructor(prefix = 'runbook-e2e-') {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
    this.runsDir = join(this.dir, 'runs');
    this.locksDir = join(this.dir, 'locks');
  }

  /** for `test.after` (not `.always`): the run records and snapshots stay for inspection when a test failed */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  apply(playbook: string, o: ApplyOptions): Promise<CliResult> {
    const args = ['apply', resolvePath(repoRoot, playbook), '-i', o.inventory, '-o', 'json', '--runs-dir', this.runsDir, '--locks-dir', this.locksDir];
    if (o.yes ?? true) args.push('--yes');
    if (o.vars && Object.keys(o.vars).length) args.push('-e', JSON.stringify(o.vars));
    args.push(...(o.args ?? []));
    return runCli(args, o.timeoutMs);
  }
}

/** the events the run recorded in <runs-dir>/<run id>/events.jsonl */
export function recordedEvents(r: CliResult): RunEvent[] {
  if (!r.start) throw new Error(`the run printed no run:start event\n${describeRun(r)}`);
  return parseEvents(readFileSync(join(r.start.runDir, 'events.jsonl'), 'utf8'));
}

export function failedPreflightChecks(r: CliResult): EventOf<'preflight:check'>[] {
  return r.events.filter((e): e is EventOf<'preflight:check'> => e.type === 'preflight:check' && !e.ok);
}

/** a short account of a run, for assertion messages */
export function describeRun(r: CliResult): string {
  const lines = [`runbook ${r.args.join(' ')}`, `exit ${r.code} after ${r.durationMs} ms`];
  for (const e of r.events) {
    if (e.type === 'preflight:check' && !e.ok) lines.push(`preflight FAILED ${e.host}: ${e.check}: ${e.message ?? ''}`);
    else if (e.type === 'host:connect' && !e.ok) lines.push(`unreachable ${e.host}: ${e.error ?? ''}`);
    else if (e.type === 'host:end' && e.status === 'failed') lines.push(`FAILED ${e.phase} ${e.host}: ${e.task}: ${e.msg ?? ''} ${e.stderr ?? ''}`.trim());
    else if (e.type === 'rollback:step' && e.status === 'failed') lines.push(`rollback FAILED ${e.host}: ${e.step}: ${e.msg ?? ''}`);
    else if (e.type === 'run:end') lines.push(`run:end ${e.status}: ${e.message ?? ''}`);
  }
  if (r.stderr.trim()) lines.push(`stderr: ${r.stderr.trim().slice(-3000)}`);
  return lines.join('\n');
}
