/**
 * `runbook history`: past runs from their run directories (who, what, against which
 * inventory, with what result), and `history show RUN_ID` to replay one.
 */
import { Command } from 'commander';
import { resolve } from 'node:path';
import { eventsText, runHeader, runsTable } from '../schedule/history-text.js';
import { findRun, listRuns, readRunEvents } from '../schedule/run-history.js';
import { positiveInt } from './common-options.js';

export function historyCommand(): Command {
  const cmd = new Command('history')
    .description('past runs, newest first (from the run records in --runs-dir)')
    .option('--runs-dir <dir>', 'where run records are', '.runbook/runs')
    .option('-n, --limit <n>', 'at most this many runs', positiveInt('--limit'), 20)
    .option('--job <name>', 'only runs of this scheduled job')
    .option('--json', 'one JSON document', false)
    .action(async (flags: { runsDir: string; limit: number; job?: string; json: boolean }) => {
      const runsDir = resolve(flags.runsDir);
      const runs = await listRuns(runsDir, { limit: flags.limit, job: flags.job });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(runs.map(({ summary: _summary, ...r }) => r), null, 2)}\n`);
      } else if (runs.length === 0) {
        process.stdout.write(`no runs in ${runsDir}\n`);
      } else {
        process.stdout.write(`${runsTable(runs, process.stdout.isTTY ? process.stdout.columns : 160)}\n`);
      }
    });
  cmd
    .command('show')
    .description('one run: its details, every event as plain text, and its recap')
    .argument('<run-id>', 'run id, or a unique start of it')
    .option('-v, --verbose', 'also command output (-v); commands are always shown', false)
    .option('--json', 'the raw events, one JSON object per line', false)
    .action(async (runId: string, _flags: unknown, command: Command) => {
      // --runs-dir belongs to `history` and is accepted after `show` too
      const flags = command.optsWithGlobals<{ runsDir: string; verbose: boolean; json: boolean }>();
      const record = await findRun(resolve(flags.runsDir), runId);
      const events = await readRunEvents(record.dir);
      if (flags.json) {
        process.stdout.write(events.map((e) => `${JSON.stringify(e)}\n`).join(''));
        return;
      }
      process.stdout.write(`${runHeader(record)}\n\n${eventsText(events, record, { verbosity: flags.verbose ? 2 : 1 })}\n`);
    });
  return cmd;
}
