import test from 'ava';
import { crontabLines, CrontabConversionError, currentRunbookCommand, serviceUnit, timerUnit } from '../../../src/schedule/install-units.js';
import type { ScheduledJob } from '../../../src/schedule/job-schema.js';

const job: ScheduledJob = {
  name: 'prod-backup',
  playbook: '/srv/ops/playbooks/etcd-backup.yaml',
  inventory: ['/srv/ops/inventory/prod.yaml'],
  cron: '0 */6 * * *',
  timezone: 'Europe/Berlin',
  extraVars: [],
  yes: true,
  runsDir: '/srv/ops/.runbook/runs',
  lock: 'etcd',
  lockWait: 0,
};
const opts = { schedulesFile: '/srv/ops/runbook.schedules.yaml', runbook: ['/usr/local/bin/runbook'] };

test('systemd: the service runs the job once as its due tick, from the schedules file\'s directory', (t) => {
  const unit = serviceUnit(job, { ...opts, user: 'backup' });
  t.regex(unit, /^Type=oneshot$/m);
  t.regex(unit, /^WorkingDirectory=\/srv\/ops$/m);
  t.regex(unit, /^ExecStart=\/usr\/local\/bin\/runbook schedule run --file \/srv\/ops\/runbook.schedules.yaml --once prod-backup --due$/m);
  t.regex(unit, /^User=backup$/m);
});

test('systemd: the service names its user (root unless told) and keeps what it writes private', (t) => {
  t.regex(serviceUnit(job, opts), /^User=root$/m);
  t.regex(serviceUnit(job, { ...opts, user: 'etcd-backup' }), /^User=etcd-backup$/m);
  t.regex(serviceUnit(job, opts), /^UMask=0077$/m);
});

test('systemd: the timer carries the converted calendar with the time zone', (t) => {
  const unit = timerUnit(job, opts);
  t.regex(unit, /^OnCalendar=\*-\*-\* 00\/6:00:00 Europe\/Berlin$/m);
  t.regex(unit, /^Persistent=true$/m);
  t.regex(unit, /^Unit=runbook-prod-backup.service$/m);
  t.regex(timerUnit(job, { ...opts, onCalendar: 'hourly' }), /^OnCalendar=hourly$/m);
});

test('systemd: arguments with spaces and % are quoted the way systemd reads them', (t) => {
  const unit = serviceUnit(job, { ...opts, schedulesFile: '/srv/my ops/100%.yaml' });
  t.regex(unit, /--file "\/srv\/my ops\/100%%.yaml"/);
});

test('crontab: one line with CRON_TZ, cd to the file\'s directory, output appended to a log', (t) => {
  t.is(
    crontabLines(job, opts),
    "CRON_TZ=Europe/Berlin\n0 */6 * * * cd /srv/ops && /usr/local/bin/runbook schedule run --file /srv/ops/runbook.schedules.yaml --once prod-backup --due >> /srv/ops/.runbook/prod-backup.cron.log 2>&1\n",
  );
  t.throws(() => crontabLines({ ...job, cron: '*/5 * * * * *' }, opts), { instanceOf: CrontabConversionError, message: /seconds field/ });
});

test('the units start the runbook that is running: a script through node, an installed binary as is', (t) => {
  t.deepEqual(currentRunbookCommand(['/usr/bin/node', '/opt/runbook/dist/cli.js'], '/usr/bin/node'), ['/usr/bin/node', '/opt/runbook/dist/cli.js']);
  t.deepEqual(currentRunbookCommand(['/usr/bin/node', '/usr/local/bin/runbook'], '/usr/bin/node'), ['/usr/local/bin/runbook']);
});
