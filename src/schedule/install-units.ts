/**
 * Running a job from the system's own scheduler instead of `runbook schedule run`: a systemd
 * service + timer pair, or a crontab line. Each starts `runbook schedule run --once NAME`,
 * which takes the same lock, writes the same run record and metrics as the daemon does.
 * systemd never starts a service that is still active, so timer runs do not overlap either.
 */
import { dirname } from 'node:path';
import { quote } from '../transport/shell-quote.js';
import { hasSecondsField } from './cron.js';
import type { ScheduledJob } from './job-schema.js';
import { cronToOnCalendar } from './on-calendar.js';

export interface UnitOptions {
  schedulesFile: string;
  /** argv that starts runbook, e.g. ['/usr/local/bin/runbook'] or [node, dist/cli.js] */
  runbook: string[];
  /** OnCalendar= to use instead of the one converted from the cron expression */
  onCalendar?: string;
  /**
   * User= of the service, always written: whoever it is, the schedules file, playbooks,
   * inventories and keys must belong to root or to this user (util/trusted-files.ts).
   * Default: root (`schedule install` passes the user who runs it).
   */
  user?: string;
}

/** how this process was started, so the unit starts the same runbook */
export function currentRunbookCommand(argv = process.argv, execPath = process.execPath): string[] {
  const script = argv[1];
  if (!script) return ['runbook'];
  return /\.(c|m)?[jt]s$/.test(script) ? [execPath, script] : [script];
}

/** one argument as systemd's ExecStart= reads it: quoted when needed, `%` doubled (specifiers) */
function systemdArg(a: string): string {
  const s = a.replace(/%/g, '%%');
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function unitBaseName(job: string): string {
  return `runbook-${job}`;
}

/** `--due`: the run stands for the tick that was due, so replicas sharing an etcd lock run it once */
export function onceCommand(job: ScheduledJob, opts: UnitOptions): string[] {
  return [...opts.runbook, 'schedule', 'run', '--file', opts.schedulesFile, '--once', job.name, '--due'];
}

export function serviceUnit(job: ScheduledJob, opts: UnitOptions): string {
  return `# Written by \`runbook schedule install --systemd ${job.name}\`; the job itself is defined in ${opts.schedulesFile}.
[Unit]
Description=runbook job ${job.name} (${job.playbook})
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
WorkingDirectory=${systemdArg(dirname(opts.schedulesFile))}
ExecStart=${onceCommand(job, opts).map(systemdArg).join(' ')}
# the run refuses files (schedules file, playbooks, inventories, vars files, keys) that anyone
# but root and this user can write
User=${systemdArg(opts.user ?? 'root')}
# run records, fetched files and local snapshots hold secrets: readable by this user only
UMask=0077
# on SIGTERM the running job is allowed to finish (it may hold a lock and be mid-change);
# give it that time before systemd sends SIGKILL
TimeoutStopSec=15min
KillMode=mixed
`;
}

export function timerUnit(job: ScheduledJob, opts: UnitOptions): string {
  const calendar = opts.onCalendar ?? cronToOnCalendar(job.cron, job.timezone);
  return `# Written by \`runbook schedule install --systemd ${job.name}\`; cron "${job.cron}"${job.timezone ? ` (${job.timezone})` : ''}.
# Check the conversion with: systemd-analyze calendar '${calendar}'
[Unit]
Description=Schedule of runbook job ${job.name}

[Timer]
OnCalendar=${calendar}
# run once at boot when a tick was missed while the machine was off
Persistent=true
AccuracySec=1s
Unit=${unitBaseName(job.name)}.service

[Install]
WantedBy=timers.target
`;
}

export class CrontabConversionError extends Error {}

/** the crontab line (with CRON_TZ= before it when the job has a time zone) */
export function crontabLines(job: ScheduledJob, opts: UnitOptions): string {
  if (hasSecondsField(job.cron)) {
    throw new CrontabConversionError(`cron "${job.cron}" has a seconds field, which crontab does not; use \`runbook schedule run\` or --systemd`);
  }
  const dir = dirname(opts.schedulesFile);
  const command = `cd ${quote(dir)} && ${onceCommand(job, opts).map(quote).join(' ')} >> ${quote(`${dir}/.runbook/${job.name}.cron.log`)} 2>&1`;
  // cron treats an unescaped % as a newline
  const line = `${job.cron} ${command.replace(/%/g, '\\%')}`;
  return job.timezone ? `CRON_TZ=${job.timezone}\n${line}\n` : `${line}\n`;
}
