/**
 * The secondary views in a real terminal (tmux) against a real 3-member sandbox: the lock is
 * not held while a person reads the confirmation (another run goes ahead meanwhile) and a
 * "yes" after that is refused with a message naming the hosts and who holds them; `history`
 * fits one row per run at 160 columns with readable times; `schedule list` says whether a
 * scheduler is running.
 */
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliSession, runCli } from '../helpers/runbook-cli.js';
import { useSandbox } from '../helpers/sandbox.js';
import { Screen } from '../helpers/terminal.js';

const sandbox = useSandbox(test, { name: 'tview' });
const cli = new CliSession('term-views-');
test.after(() => cli.remove());

const GO = `/tmp/views-go-${process.pid}`;
const screens: Screen[] = [];
test.after.always(() => screens.forEach((s) => s.close()));
function screen(label: string, cols = 100, rows = 30): Screen {
  const s = new Screen(label, { cols, rows });
  screens.push(s);
  return s;
}

/** a run that holds the lock until the test says go */
function waitingPlaybook(): string {
  const dir = mkdtempSync(join(tmpdir(), 'runbook-views-playbooks-with-a-rather-long-directory-name-'));
  const file = join(dir, 'hold-the-lock-until-told.yaml');
  writeFileSync(
    file,
    `- name: Hold the lock until told
  hosts: etcd
  tasks:
    - name: Wait for the go-ahead
      wait_for:
        path: ${GO}
        timeout: 1200
`,
  );
  return file;
}

function applyArgs(playbook: string, extra: string[] = []): string[] {
  return ['apply', playbook, '-i', sandbox().inventoryYaml, '--runs-dir', cli.runsDir, '--locks-dir', cli.locksDir, ...extra];
}

test.serial('the lock is not held at the confirmation: another run goes ahead meanwhile, and "yes" then names who holds the hosts', async (t) => {
  t.timeout(900_000);
  const sb = sandbox();
  const a = screen('prompt');
  a.startCli(applyArgs('playbooks/etcd-backup.yaml', ['-e', `backup_dir=/tmp/views-backups-${process.pid}`]));
  await a.waitFor(/Proceed\?/, 300_000, 'the confirmation');

  // while the person reads, a second run on the same hosts takes the lock and runs
  const b = screen('holder');
  b.startCli(applyArgs(waitingPlaybook(), ['--yes']));
  await b.waitFor(/Wait for the go-ahead/, 300_000, 'the second run to be running');
  t.is(b.exitStatus(), undefined, `the second run was not refused:\n${b.output()}`);

  // "yes" now: the lock is taken again before anything changes, and it is held
  a.send('y', 'Enter');
  const code = await a.waitForExit(300_000);
  const out = a.output().replace(/\n/g, ' ').replace(/\s+/g, ' ');
  t.log(a.output());
  t.is(code, 75, out);
  t.regex(out, /confirmed, but the lock could not be taken again: node\d \(\d+\.\d+\.\d+\.\d+:22\): another run holds the lock host-\S+ \(lock file [^)]+\)/);
  t.regex(out, /: \S+@\S+ pid \d+, run \d{8}T\d{6}Z-\w+, running "runbook apply \S*hold-the-lock-u[^"]*", since \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ/, 'the holder: who, which run, what command, since when');
  t.notRegex(out, /\.\d{3}Z/, 'no milliseconds in times');
  t.regex(out, /nothing was changed/);

  for (const h of ['node1', 'node2', 'node3']) await sb.hostExec(h, `touch ${GO}`);
  t.is(await b.waitForExit(300_000), 0, b.output());
});

test.serial('history at 160 columns: one row per run, readable times', async (t) => {
  const s = screen('history', 160, 30);
  s.startCli(['history', '--runs-dir', cli.runsDir]);
  t.is(await s.waitForExit(120_000), 0, s.output());
  const rows = s.output().trimEnd().split('\n');
  t.log(rows.join('\n'));
  t.regex(rows[0]!, /^STARTED\s+RUN ID\s+PLAYBOOK\s+INVENTORY\s+RESULT/);
  // the runs of the test above: each on one row of the screen
  const runs = rows.filter((r) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+\d{8}T\d{6}Z-\w+\s/.test(r));
  t.is(runs.length, rows.length - 1, 'every row after the header is one run');
  t.true(runs.length >= 2);
  for (const r of rows) t.true(r.length <= 160, r);
  t.notRegex(s.output(), /\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/, 'no ISO T or milliseconds in the STARTED column');
});

test.serial('schedule list says whether a scheduler is running for its file', async (t) => {
  t.timeout(600_000);
  const dir = mkdtempSync(join(tmpdir(), 'runbook-views-schedules-'));
  const file = join(dir, 'schedules.yaml');
  const added = await runCli(['schedule', 'add', 'nightly', '--playbook', 'playbooks/etcd-backup.yaml', '-i', sandbox().inventoryYaml, '--cron', '0 0 1 1 *', '--yes', '--file', file]);
  t.is(added.code, 0, added.stderr);

  const before = screen('list-before', 160, 20);
  before.startCli(['schedule', 'list', '--file', file]);
  t.is(await before.waitForExit(120_000), 0, before.output());
  t.log(before.output());
  t.regex(before.output(), /scheduler: NOT running for .*schedules\.yaml/);
  t.notRegex(before.output(), /\.\d{3}Z/);

  const daemon = screen('daemon', 160, 20);
  daemon.startCli(['schedule', 'run', '--file', file]);
  await daemon.waitFor(/started/, 120_000, 'the scheduler to start');
  const during = screen('list-during', 160, 20);
  during.startCli(['schedule', 'list', '--file', file]);
  t.is(await during.waitForExit(120_000), 0, during.output());
  t.log(during.output());
  t.regex(during.output(), /scheduler: running \(pid \d+, since \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\)/);

  daemon.send('C-c');
  await daemon.waitForExit(120_000);
  const after = screen('list-after', 160, 20);
  after.startCli(['schedule', 'list', '--file', file]);
  t.is(await after.waitForExit(120_000), 0, after.output());
  t.regex(after.output(), /scheduler: NOT running/);
});

test.serial('a backup with a member unreachable names it and suggests --limit; the suggestion works', async (t) => {
  t.timeout(900_000);
  const sb = sandbox();
  const { readFileSync } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'runbook-views-unreachable-'));
  // node3 stops answering: its address points where no sshd listens (refused at once). The connect
  // timeout is generous: it applies to the reachable members too, whose handshakes can take
  // seconds on a busy machine
  const inv = join(dir, 'unreachable.yaml');
  writeFileSync(inv, readFileSync(sb.inventoryYaml, 'utf8').replace(/(node3:\s*\n\s*ansible_host: )"?[\d.]+"?/, '$1"127.0.0.2"'));
  const backups = `/tmp/views-unreachable-${process.pid}`;
  const args = ['apply', 'playbooks/etcd-backup.yaml', '-i', inv, '-e', `backup_dir=${backups}`, '--yes', '--connect-timeout', '60', '--runs-dir', cli.runsDir, '--locks-dir', cli.locksDir];
  const s = screen('unreachable', 100, 30);
  s.startCli(args);
  const code = await s.waitForExit(300_000);
  const out = s.output().replace(/\n\s*/g, ' ');
  t.log(s.output());
  t.is(code, 4, out);
  t.regex(out, /cannot reach 1 of 3 host\(s\); nothing was changed: node3:/);
  const limit = /add: --limit '([^']+)'/.exec(out)?.[1];
  t.is(limit, 'all:!node3');

  // the suggestion, as given: the backup is taken from the members that answer
  const again = screen('unreachable-limit', 100, 30);
  again.startCli([...args, '--limit', limit!]);
  const code2 = await again.waitForExit(600_000);
  t.log(again.output());
  t.is(code2, 0, again.output());
  t.regex(again.output().replace(/\n\s*/g, ' '), new RegExp(`${backups}/\\S+\\.db`));
});
