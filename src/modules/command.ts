import { z } from 'zod';
import { quote, quoteArgv } from '../transport/shell-quote.js';
import { runCommandTask } from './lib/command-run.js';
import { splitCommand } from './lib/split-command.js';
import type { Module } from './types.js';

const schema = z
  .object({
    cmd: z.string().min(1).optional().describe('the command line; split into words like a shell would, but nothing is expanded (no $VAR, globs, pipes or redirects: use `shell` for those)'),
    argv: z.array(z.string()).min(1).optional().describe('the command as a list of words, passed exactly (use instead of cmd when words contain quotes or spaces)'),
    chdir: z.string().min(1).optional().describe('directory on the host to run the command in'),
    creates: z.string().min(1).optional().describe('a path on the host; when it exists, the command is not run'),
    removes: z.string().min(1).optional().describe('a path on the host; when it does not exist, the command is not run'),
    stdin: z.string().optional().describe('text fed to the command on standard input'),
    stdin_add_newline: z.boolean().optional().describe('end stdin with a newline when it has none (default true)'),
  })
  .strict()
  .superRefine((a, ctx) => {
    if ((a.cmd === undefined) === (a.argv === undefined)) ctx.addIssue({ code: 'custom', message: 'give exactly one of cmd or argv' });
    if (a.cmd !== undefined) {
      try {
        splitCommand(a.cmd);
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['cmd'], message: (err as Error).message });
      }
    }
  });

export type CommandArgs = z.infer<typeof schema>;

/** The exact line sent to the host: every word quoted, so nothing in a value is shell syntax. */
function commandLine(a: CommandArgs): string {
  const words = a.argv ?? splitCommand(a.cmd ?? '');
  const run = quoteArgv(words);
  return a.chdir !== undefined ? `cd ${quote(a.chdir)} && ${run}` : run;
}

/** Run a program with arguments, without a shell. */
export const command = {
  name: 'command',
  summary: 'run a program with arguments (no shell: nothing is expanded)',
  schema,
  readOnly: false,
  freeForm: 'cmd',
  describe: commandLine,
  run: (ctx, a) => runCommandTask(ctx, commandLine(a), a),
} satisfies Module<CommandArgs>;
