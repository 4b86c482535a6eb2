import { sh } from '../../transport/shell-quote.js';
import type { ExecOptions, ExecResult } from '../../transport/types.js';
import type { ModuleContext, ModuleResult } from '../types.js';
import { execOnHost, execOrThrow } from './exec.js';

/** `creates`/`removes`: run a command only when a path is missing / present (an idempotence guard). */
export interface RunGuards {
  creates?: string;
  removes?: string;
}

/** Why the guards say not to run, or undefined when the command should run. One round trip. */
async function guardSkipReason(ctx: ModuleContext, g: RunGuards): Promise<string | undefined> {
  const probes: string[] = [];
  if (g.creates !== undefined) probes.push(sh`if test -e ${g.creates}; then echo creates; fi`);
  if (g.removes !== undefined) probes.push(sh`if ! test -e ${g.removes}; then echo removes; fi`);
  if (probes.length === 0) return undefined;
  const r = await execOrThrow(ctx, probes.join('; '), 'check creates/removes');
  const said = r.stdout.split('\n').map((l) => l.trim());
  if (said.includes('creates')) return `skipped, since ${g.creates} exists`;
  if (said.includes('removes')) return `skipped, since ${g.removes} does not exist`;
  return undefined;
}

export interface CommandData {
  /** the command line as it was sent (before become wrapping) */
  cmd: string;
  duration_ms: number;
  [key: string]: unknown;
}

export type CommandResult = ModuleResult & { data?: CommandData };

/**
 * The shared flow of `command` and `shell`: guards, check mode, run, and a result where a
 * non-zero exit is a failure that carries rc, stdout and stderr.
 */
export async function runCommandTask(
  ctx: ModuleContext,
  line: string,
  o: RunGuards & { stdin?: string; stdin_add_newline?: boolean },
  send: Pick<ExecOptions, 'hideCommand' | 'interpreter'> = {},
): Promise<CommandResult> {
  const skip = await guardSkipReason(ctx, o);
  if (skip !== undefined) return { changed: false, msg: skip, rc: 0, stdout: '', stderr: '' };
  if (ctx.check) {
    // with creates/removes the guard above has already decided that it would run (as Ansible reports it)
    if (o.creates !== undefined || o.removes !== undefined) return { changed: true, msg: 'command would have run if not in check mode' };
    return { changed: false, skipped: true, msg: 'skipped in check mode' };
  }
  const stdin = o.stdin === undefined ? undefined : o.stdin_add_newline === false || o.stdin.endsWith('\n') ? o.stdin : `${o.stdin}\n`;
  const r = await execOnHost(ctx, line, stdin === undefined ? send : { ...send, stdin });
  return commandResult(r, line);
}

function commandResult(r: ExecResult, line: string): CommandResult {
  const failed = r.exitCode !== 0;
  const msg = r.timedOut ? `command timed out after ${Math.round(r.durationMs / 1000)}s` : failed ? `non-zero return code ${r.exitCode}` : undefined;
  return {
    changed: true,
    failed,
    ...(msg === undefined ? {} : { msg }),
    rc: r.exitCode,
    // a command's final newline is not part of its answer (`stdout == "ok"` should hold for `echo ok`)
    stdout: r.stdout.replace(/[\r\n]+$/, ''),
    stderr: r.stderr.replace(/[\r\n]+$/, ''),
    data: { cmd: line, duration_ms: r.durationMs },
  };
}
