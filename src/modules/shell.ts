import { z } from 'zod';
import { quote } from '../transport/shell-quote.js';
import { runCommandTask } from './lib/command-run.js';
import type { Module } from './types.js';

const schema = z
  .object({
    cmd: z.string().min(1).describe('a shell script: pipes, redirects, $VARS and globs work; quote templated values with `| quote`'),
    chdir: z.string().min(1).optional().describe('directory on the host to run the script in'),
    creates: z.string().min(1).optional().describe('a path on the host; when it exists, the script is not run'),
    removes: z.string().min(1).optional().describe('a path on the host; when it does not exist, the script is not run'),
    executable: z.string().min(1).optional().describe('the shell that runs the script (default /bin/sh), e.g. /bin/bash for `set -o pipefail`'),
    stdin: z.string().optional().describe('text fed to the script on standard input'),
    stdin_add_newline: z.boolean().optional().describe('end stdin with a newline when it has none (default true)'),
  })
  .strict();

export type ShellArgs = z.infer<typeof schema>;

/** The script goes to the chosen shell as one quoted argument, so its text arrives unchanged. */
function shellLine(a: ShellArgs): string {
  const run = `${quote(a.executable ?? '/bin/sh')} -c ${quote(a.cmd)}`;
  return a.chdir !== undefined ? `cd ${quote(a.chdir)} && ${run}` : run;
}

/**
 * A script that must not show in the host's process list (no_log, or it holds a secret) goes to
 * the shell on stdin instead of as its `-c` argument; `cd` first, as shellLine does.
 */
function hiddenScript(a: ShellArgs): string {
  return a.chdir !== undefined ? `cd ${quote(a.chdir)} || exit\n${a.cmd}` : a.cmd;
}

/** Run a shell script on the host. */
export const shell = {
  name: 'shell',
  summary: 'run a shell script (pipes, redirects, variables)',
  schema,
  readOnly: false,
  freeForm: 'cmd',
  describe: (a) => (a.chdir !== undefined ? `cd ${quote(a.chdir)} && ${a.cmd}` : a.cmd),
  run: (ctx, a) =>
    ctx.secretText?.(a.cmd)
      ? runCommandTask(ctx, hiddenScript(a), a, { hideCommand: true, interpreter: a.executable ?? '/bin/sh' })
      : runCommandTask(ctx, shellLine(a), a),
} satisfies Module<ShellArgs>;
