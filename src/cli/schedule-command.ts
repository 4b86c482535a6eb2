/**
 * `runbook schedule add|list|remove|run|install`: jobs that run a playbook on a cron schedule,
 * kept in a schedules file reviewed in git (docs/scheduling.md).
 */
import { Command, Option } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { ConfigError } from '../errors.js';
import { collect } from './common-options.js';
import { cronProblem, nextRun } from '../schedule/cron.js';
import { runSchedules } from '../schedule/daemon.js';
import { CalendarConversionError } from '../schedule/on-calendar.js';
import { crontabLines, CrontabConversionError, currentRunbookCommand, serviceUnit, timerUnit, unitBaseName } from '../schedule/install-units.js';
import { JOB_NAME } from '../schedule/job-schema.js';
import { parsePolicy } from '../schedule/retention.js';
import { describeJobs, jobsTable } from '../schedule/schedule-list.js';
import { schedulerStatus } from '../schedule/scheduler-presence.js';
import { addJobToFile, findJob, loadSchedules, pathForFile, removeJobFromFile, schedulesFilePath } from '../schedule/schedules-file.js';

const fileOption = () => new Option('--file <path>', 'schedules file (default: $RUNBOOK_SCHEDULES or ./runbook.schedules.yaml)');

function wholeNumber(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number of at least ${min}, got "${v}"`);
    return n;
  };
}

interface AddFlags {
  file?: string;
  playbook: string;
  inventory: string[];
  cron: string;
  timezone?: string;
  extraVars?: string[];
  limit?: string;
  yes: boolean;
  lock: 'file' | 'etcd' | 'none';
  lockWait?: number;
  metricsFile?: string;
  runsDir?: string;
  retain?: string;
  retainDir?: string;
  retainHost?: string;
}

function addCommand(): Command {
  return new Command('add')
    .description('add a job to the schedules file')
    .argument('<name>', 'job name: letters, digits, `.`, `_`, `-`')
    .requiredOption('--playbook <file>', 'playbook to run')
    .requiredOption('-i, --inventory <path>', 'inventory file or directory (repeatable)', collect)
    .requiredOption('--cron <expr>', 'when: "0 */6 * * *" (5 fields), or 6 with seconds first')
    .option('--timezone <tz>', 'IANA time zone the cron expression is read in (default: the controller\'s)')
    .option('-e, --extra-vars <vars>', 'variables, as for apply (repeatable)', collect)
    .option('-l, --limit <pattern>', 'only these hosts')
    .option('-y, --yes', 'answer the playbook\'s confirmation; without it a job that asks fails', false)
    .addOption(new Option('--lock <kind>', 'run lock: file, etcd (shared by schedulers on several machines), none').choices(['file', 'etcd', 'none']).default('file'))
    .option('--lock-wait <seconds>', 'wait this long for a lock another run holds (default: skip the tick)', wholeNumber('--lock-wait', 0))
    .option('--metrics-file <file>', 'Prometheus textfile to update after each run (*.prom)')
    .option('--runs-dir <dir>', 'where run records go (default .runbook/runs beside the schedules file)')
    .option('--retain <policy>', 'retention after each successful run, e.g. "keep_last=3 keep_within=1h hourly=24 daily=7 weekly=4"')
    .option('--retain-dir <dir>', 'the backup directory the policy applies to')
    .option('--retain-host <pattern>', 'inventory hosts whose --retain-dir it is (default: a directory on this machine)')
    .addOption(fileOption())
    .action(async (name: string, flags: AddFlags) => {
      const file = schedulesFilePath(flags.file);
      const problems: string[] = [];
      if (!JOB_NAME.test(name)) problems.push(`job name "${name}": letters, digits, \`.\`, \`_\`, \`-\` (at most 63), starting with a letter or digit`);
      const cron = cronProblem({ cron: flags.cron, timezone: flags.timezone });
      if (cron) problems.push(cron);
      if (!existsSync(flags.playbook) || !statSync(flags.playbook).isFile()) problems.push(`playbook ${flags.playbook} does not exist`);
      for (const inv of flags.inventory) if (!existsSync(inv)) problems.push(`inventory ${inv} does not exist`);
      if ((flags.retain === undefined) !== (flags.retainDir === undefined)) problems.push('--retain and --retain-dir go together');
      let retention: Record<string, unknown> | undefined;
      if (flags.retain !== undefined && flags.retainDir !== undefined) {
        try {
          const dir = flags.retainHost ? flags.retainDir : pathForFile(file, flags.retainDir);
          retention = { dir, ...(flags.retainHost ? { host: flags.retainHost } : {}), ...parsePolicy(flags.retain) };
        } catch (e) {
          problems.push(`--retain: ${(e as Error).message}`);
        }
      }
      if (problems.length) throw new ConfigError(problems.map((message) => ({ message })));
      const job: Record<string, unknown> & { name: string } = {
        name,
        playbook: pathForFile(file, flags.playbook),
        inventory: flags.inventory.map((i) => pathForFile(file, i)),
        cron: flags.cron,
        ...(flags.timezone ? { timezone: flags.timezone } : {}),
        ...(flags.extraVars?.length ? { extra_vars: flags.extraVars } : {}),
        ...(flags.limit ? { limit: flags.limit } : {}),
        yes: flags.yes,
        lock: flags.lock,
        ...(flags.lockWait !== undefined ? { lock_wait: flags.lockWait } : {}),
        ...(flags.runsDir ? { runs_dir: pathForFile(file, flags.runsDir) } : {}),
        ...(flags.metricsFile ? { metrics_file: pathForFile(file, flags.metricsFile) } : {}),
        ...(retention ? { retention } : {}),
      };
      await addJobToFile(file, job);
      const next = nextRun({ cron: flags.cron, timezone: flags.timezone });
      process.stdout.write(`added job ${name} to ${file}; next run ${next?.toISOString() ?? 'never'}\n`);
      if (!flags.yes) process.stdout.write(`note: without --yes, a run of ${name} that needs a confirmation fails (a scheduled run cannot ask)\n`);
      process.stdout.write(`start it with \`runbook schedule run\` (a running one picks it up by itself), or \`runbook schedule install --systemd ${name}\`\n`);
    });
}

function listCommand(): Command {
  return new Command('list')
    .description('jobs with their next run and last result')
    .option('--json', 'one JSON document', false)
    .addOption(fileOption())
    .action(async (flags: { file?: string; json: boolean }) => {
      const schedules = await loadSchedules(schedulesFilePath(flags.file));
      const rows = await describeJobs(schedules.jobs);
      if (flags.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else if (rows.length === 0) process.stdout.write(`no jobs in ${schedules.file}\n`);
      else process.stdout.write(`${jobsTable(rows)}\n\n${schedulerStatus(schedules.file)}\n`);
    });
}

function removeCommand(): Command {
  return new Command('remove')
    .description('remove a job from the schedules file (a running scheduler drops it at once)')
    .argument('<name>')
    .addOption(fileOption())
    .action(async (name: string, flags: { file?: string }) => {
      const file = schedulesFilePath(flags.file);
      await removeJobFromFile(file, name);
      process.stdout.write(`removed job ${name} from ${file}; also remove any installed timer (runbook-${name}.timer)\n`);
    });
}

function runCommand(): Command {
  return new Command('run')
    .description('run the scheduler in the foreground; SIGTERM/SIGINT lets running jobs finish, then exits 0')
    .option('--once <job>', 'run this job once now and exit with its result')
    .option('--due', 'with --once: the run is the job\'s latest scheduled tick (what installed timers pass)', false)
    .addOption(fileOption())
    .action(async (flags: { file?: string; once?: string; due: boolean }) => {
      const code = await runSchedules({ file: schedulesFilePath(flags.file), once: flags.once, due: flags.due });
      process.exitCode = code;
      // a connection a run left open must not keep a stopped scheduler alive
      setTimeout(() => process.exit(code), 2000).unref();
    });
}

interface InstallFlags {
  file?: string;
  systemd: boolean;
  cron: boolean;
  dir: string;
  onCalendar?: string;
  user?: string;
  runbookBin?: string;
}

function installCommand(): Command {
  return new Command('install')
    .description('run a job from systemd (service + timer) or cron instead of `schedule run`')
    .argument('<name>', 'job name')
    .option('--systemd', 'write runbook-NAME.service and runbook-NAME.timer', false)
    .option('--cron', 'print a crontab line', false)
    .option('--dir <dir>', 'where the systemd units go', '/etc/systemd/system')
    .option('--on-calendar <spec>', 'OnCalendar= to use when the cron expression does not convert')
    .option('--user <user>', 'User= the service runs as (default: the user running this command)')
    .option('--runbook-bin <path>', 'runbook executable the units start (default: the one running now)')
    .addOption(fileOption())
    .action(async (name: string, flags: InstallFlags) => {
      if (flags.systemd === flags.cron) throw new ConfigError({ message: 'say how to install: --systemd or --cron' });
      const file = schedulesFilePath(flags.file);
      const job = findJob(await loadSchedules(file, { mustExist: true }), name);
      const opts = { schedulesFile: file, runbook: flags.runbookBin ? [resolve(flags.runbookBin)] : currentRunbookCommand(), onCalendar: flags.onCalendar, user: flags.user ?? userInfo().username };
      try {
        if (flags.cron) {
          process.stdout.write(crontabLines(job, opts));
          return;
        }
        const base = unitBaseName(job.name);
        const timer = timerUnit(job, opts);
        await mkdir(flags.dir, { recursive: true });
        await writeFile(join(flags.dir, `${base}.service`), serviceUnit(job, opts));
        await writeFile(join(flags.dir, `${base}.timer`), timer);
        process.stdout.write(
          `wrote ${join(flags.dir, `${base}.service`)} and ${base}.timer (${/OnCalendar=(.*)/.exec(timer)![1]})\n` +
            `enable with: systemctl daemon-reload && systemctl enable --now ${base}.timer\n`,
        );
      } catch (e) {
        if (e instanceof CalendarConversionError || e instanceof CrontabConversionError) {
          const message = e instanceof CalendarConversionError ? `job ${name}: cron "${job.cron}" has no OnCalendar= equivalent: ${e.message}` : `job ${name}: ${e.message}`;
          throw new ConfigError({ message, hint: flags.cron ? undefined : 'pass --on-calendar with an equivalent systemd calendar spec (check it with systemd-analyze calendar)' });
        }
        throw e;
      }
    });
}

export function scheduleCommand(): Command {
  const cmd = new Command('schedule').description('run playbooks on a cron schedule: backups that happen without anyone remembering them');
  for (const sub of [addCommand(), listCommand(), removeCommand(), runCommand(), installCommand()]) cmd.addCommand(sub);
  cmd.addHelpText(
    'after',
    `
Examples:
  runbook schedule add prod-backup --playbook playbooks/etcd-backup.yaml -i inventory/prod.yaml \\
      --cron "0 */6 * * *" --timezone Europe/Berlin --yes --retain "keep_last=3 daily=7 weekly=4" \\
      --retain-dir /var/backups/etcd --retain-host etcd
  runbook schedule list
  runbook schedule run                       # foreground scheduler
  runbook schedule run --once prod-backup    # one run now
  runbook schedule install --systemd prod-backup`,
  );
  return cmd;
}
