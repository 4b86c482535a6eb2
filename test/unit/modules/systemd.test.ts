import test from 'ava';
import { systemd } from '../../../src/modules/systemd.js';
import { FakeTransport, type FakeReply } from '../../helpers/fake-transport.js';
import { moduleContext, parseArgs } from './support/context.js';

const ACTIVE: FakeReply = { stdout: 'active\n' };
const INACTIVE: FakeReply = { exitCode: 3, stdout: 'inactive\n' };
// the systemctl replacement script says "unknown" for a unit it has not started
const UNKNOWN: FakeReply = { exitCode: 3, stdout: 'unknown\n' };
const ENABLED: FakeReply = { stdout: 'enabled\n' };
const DISABLED: FakeReply = { exitCode: 1, stdout: 'disabled\n' };

interface Case {
  name: string;
  args: Record<string, unknown>;
  active?: FakeReply;
  enabled?: FakeReply;
  check?: boolean;
  commands: string[];
  result: Record<string, unknown>;
}

const cases: Case[] = [
  { name: 'started when already active: unchanged', args: { name: 'etcd', state: 'started' }, active: ACTIVE, commands: ['systemctl is-active -- etcd'], result: { changed: false } },
  {
    name: 'started when inactive: start',
    args: { name: 'etcd', state: 'started' },
    active: INACTIVE,
    commands: ['systemctl is-active -- etcd', 'systemctl start -- etcd'],
    result: { changed: true, msg: 'etcd: started', data: { actions: ['start'], active_before: 'inactive' } },
  },
  { name: 'started, replacement script saying unknown: start', args: { name: 'etcd', state: 'started' }, active: UNKNOWN, commands: ['systemctl is-active -- etcd', 'systemctl start -- etcd'], result: { changed: true } },
  { name: 'stopped when active: stop', args: { name: 'etcd', state: 'stopped' }, active: ACTIVE, commands: ['systemctl is-active -- etcd', 'systemctl stop -- etcd'], result: { changed: true, msg: 'etcd: stopped' } },
  { name: 'stopped when inactive: unchanged', args: { name: 'etcd', state: 'stopped' }, active: INACTIVE, commands: ['systemctl is-active -- etcd'], result: { changed: false } },
  { name: 'restarted always acts', args: { name: 'etcd', state: 'restarted' }, active: ACTIVE, commands: ['systemctl is-active -- etcd', 'systemctl restart -- etcd'], result: { changed: true } },
  { name: 'reloaded when active: reload', args: { name: 'etcd', state: 'reloaded' }, active: ACTIVE, commands: ['systemctl is-active -- etcd', 'systemctl reload -- etcd'], result: { changed: true } },
  { name: 'reloaded when stopped: start', args: { name: 'etcd', state: 'reloaded' }, active: INACTIVE, commands: ['systemctl is-active -- etcd', 'systemctl start -- etcd'], result: { changed: true } },
  { name: 'enabled when disabled: enable', args: { name: 'etcd', enabled: true }, enabled: DISABLED, commands: ['systemctl is-enabled -- etcd', 'systemctl enable -- etcd'], result: { changed: true, msg: 'etcd: enabled' } },
  { name: 'enabled when enabled: unchanged', args: { name: 'etcd', enabled: true }, enabled: ENABLED, commands: ['systemctl is-enabled -- etcd'], result: { changed: false } },
  { name: 'disabled when enabled: disable', args: { name: 'etcd', enabled: false }, enabled: ENABLED, commands: ['systemctl is-enabled -- etcd', 'systemctl disable -- etcd'], result: { changed: true } },
  { name: 'a static unit cannot be disabled: unchanged', args: { name: 'systemd-journald', enabled: false }, enabled: { stdout: 'static\n' }, commands: ['systemctl is-enabled -- systemd-journald'], result: { changed: false } },
  { name: 'masked cannot be enabled', args: { name: 'etcd', enabled: true }, enabled: { exitCode: 1, stdout: 'masked\n' }, commands: ['systemctl is-enabled -- etcd'], result: { changed: false, failed: true } },
  {
    name: 'unknown unit fails with systemctl stderr',
    args: { name: 'nosuch', enabled: true },
    enabled: { exitCode: 1, stderr: 'ERROR:systemctl:Unit nosuch.service could not be found.\n' },
    commands: ['systemctl is-enabled -- nosuch'],
    result: { changed: false, failed: true, msg: 'could not find the unit nosuch: ERROR:systemctl:Unit nosuch.service could not be found.' },
  },
  {
    name: 'daemon-reload, enable and start, in that order',
    args: { name: 'etcd', state: 'started', enabled: true, daemon_reload: true },
    enabled: DISABLED,
    active: INACTIVE,
    commands: ['systemctl daemon-reload', 'systemctl is-enabled -- etcd', 'systemctl enable -- etcd', 'systemctl is-active -- etcd', 'systemctl start -- etcd'],
    result: { changed: true, msg: 'etcd: enabled, started' },
  },
  {
    name: 'check mode asks but does not act',
    args: { name: 'etcd', state: 'restarted', enabled: true, daemon_reload: true },
    enabled: DISABLED,
    active: ACTIVE,
    check: true,
    commands: ['systemctl is-enabled -- etcd', 'systemctl is-active -- etcd'],
    result: { changed: true, msg: 'etcd: would enable, restart' },
  },
  {
    name: 'a name with odd characters is quoted',
    args: { name: "getty@tty1's.service", state: 'started' },
    active: ACTIVE,
    commands: [`systemctl is-active -- 'getty@tty1'"'"'s.service'`],
    result: { changed: false },
  },
];

for (const c of cases) {
  test(`systemd: ${c.name}`, async (t) => {
    const fake = new FakeTransport()
      .on(/is-active/, c.active ?? ACTIVE)
      .on(/is-enabled/, c.enabled ?? ENABLED)
      .on(/^systemctl (start|stop|restart|reload|enable|disable|daemon-reload)/, {});
    const r = await systemd.run(moduleContext(fake, { check: c.check ?? false }), parseArgs(systemd.schema, c.args));
    t.deepEqual(fake.commands, c.commands);
    t.like(r, c.result);
  });
}

test('systemd: a failed start is a failure with the output; an enable before it still counts', async (t) => {
  const fake = new FakeTransport()
    .on(/is-enabled/, DISABLED)
    .on(/is-active/, INACTIVE)
    .on(/^systemctl enable/, {})
    .on(/^systemctl start/, { exitCode: 1, stderr: 'Job for etcd.service failed.\n' });
  const r = await systemd.run(moduleContext(fake), parseArgs(systemd.schema, { name: 'etcd', state: 'started', enabled: true }));
  t.like(r, { changed: true, failed: true, rc: 1, stderr: 'Job for etcd.service failed.\n', msg: 'systemctl start etcd failed: Job for etcd.service failed.' });
});

test('systemd: a failed start carries the last lines of the unit\'s log (journalctl, or the log file without a journal)', async (t) => {
  const fake = new FakeTransport()
    .on(/is-active/, INACTIVE)
    .on(/^systemctl start/, { exitCode: 1, stderr: 'Job for etcd.service failed.\n' })
    .on(/journalctl -u etcd.service -n 10 .*\/var\/log\/journal\/etcd\.service\.log/, { stdout: 'starting etcd\netcdmain: invalid value "abc" for ETCD_HEARTBEAT_INTERVAL\n' });
  const r = await systemd.run(moduleContext(fake), parseArgs(systemd.schema, { name: 'etcd', state: 'started' }));
  t.true(r.failed);
  t.is(r.msg, 'systemctl start etcd failed: Job for etcd.service failed.\nlast lines of etcd:\n  starting etcd\n  etcdmain: invalid value "abc" for ETCD_HEARTBEAT_INTERVAL');
});

test('systemd: schema refuses names with spaces or slashes, and empty tasks', (t) => {
  t.false(systemd.schema.safeParse({ name: 'etcd; reboot', state: 'started' }).success);
  t.false(systemd.schema.safeParse({ name: '../x', state: 'started' }).success);
  t.false(systemd.schema.safeParse({ name: 'etcd' }).success);
});

test('systemd: describe', (t) => {
  t.is(systemd.describe(parseArgs(systemd.schema, { name: 'etcd', state: 'restarted', daemon_reload: true })), 'systemctl daemon-reload && systemctl restart etcd');
});
