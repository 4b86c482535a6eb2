import { CommandError } from '../../errors.js';
import type { ExecOptions, ExecResult } from '../../transport/types.js';
import type { ModuleContext } from '../types.js';

type ExtraOptions = Pick<ExecOptions, 'stdin' | 'onStdout' | 'onStderr' | 'timeoutMs' | 'hideCommand' | 'interpreter'>;

/**
 * Run a command on the task's host with the task's become, timeout and abort signal, so no
 * module can forget one of them.
 */
export function execOnHost(ctx: ModuleContext, command: string, extra: ExtraOptions = {}): Promise<ExecResult> {
  return ctx.transport.exec(command, {
    become: ctx.become,
    timeoutMs: ctx.timeoutMs,
    signal: ctx.signal,
    ...extra,
  });
}

/**
 * Run a command the module cannot do without (a probe, a rename); a non-zero exit becomes a
 * CommandError that says which step failed, which the engine reports as the task's failure.
 */
export async function execOrThrow(ctx: ModuleContext, command: string, step: string): Promise<ExecResult> {
  const r = await execOnHost(ctx, command);
  if (r.exitCode !== 0) {
    const why = r.timedOut ? 'timed out' : `exited ${r.exitCode}`;
    const detail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' | ');
    throw new CommandError(ctx.host, command, r.exitCode, r.stderr, `${ctx.host}: ${step} ${why}${detail ? `: ${detail}` : ''}`);
  }
  return r;
}
