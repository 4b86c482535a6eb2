/**
 * playbooks/etcd-backup.yaml through the real command line against a real 3-member etcd 3.4
 * sandbox (`backup`): retention keeps the newest N of this cluster's snapshots and touches
 * nothing else, `--check` writes and deletes nothing, and a cluster with no member up is refused
 * in preflight. Snapshots are checked with sha256sum and `etcdctl snapshot status` on the
 * controller, not with runbook.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test, { type ExecutionContext } from 'ava';
import { eventually, makeEntries, putEntries, putKey, stopEtcd, waitHealthy } from '../helpers/etcd-data.js';
import { CliSession, type CliResult, describeRun, failedPreflightChecks } from '../helpers/runbook-cli.js';
import { type Sandbox, useSandbox } from '../helpers/sandbox.js';

const sandbox = useSandbox(test, { name: 'backup' });
const cli = new CliSession('backup-e2e-');
test.after(() => cli.remove());
const BACKUP = 'playbooks/etcd-backup.yaml';
const SNAPSHOT_NAME = /^etcd-etcd-(\d{8}T\d{6}Z)-rev(\d+)\.db$/;

function snapshotsIn(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((n) => SNAPSHOT_NAME.test(n)).sort() : [];
}

/** name, size and inode of every file: a new, rewritten or deleted file shows */
function dirState(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .map((n) => {
      const s = statSync(join(dir, n));
      return `${n} ${s.size} ${s.ino}`;
    });
}

/** the snapshot matches its .sha256 and etcdctl reads the revision its name carries */
function verifySnapshot(t: ExecutionContext, dir: string, name: string): void {
  t.regex(execFileSync('sha256sum', ['-c', `${name}.sha256`], { cwd: dir, encoding: 'utf8' }), new RegExp(`^${name.replace(/\./g, '\\.')}: OK$`, 'm'));
  const status = JSON.parse(execFileSync('etcdctl', ['snapshot', 'status', join(dir, name), '-w', 'json'], { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } })) as {
    revision: number;
    totalKey: number;
  };
  t.is(status.revision, Number(SNAPSHOT_NAME.exec(name)![2]), `${name}: the revision in the name is the snapshot's`);
  t.true(status.totalKey > 0);
}

async function backup(sb: Sandbox, vars: Record<string, string | number | boolean>, args: string[] = []): Promise<CliResult> {
  return cli.apply(BACKUP, { inventory: sb.inventoryYaml, vars, args });
}

test.serial('with keep_last=2, four backups leave the two newest and nothing else of this cluster', async (t) => {
  const sb = sandbox();
  await waitHealthy(sb, 'a healthy cluster');
  await putEntries(sb, 'node1', makeEntries('backup-e2e', 200, randomBytes(4).toString('hex')));
  const dir = join(cli.dir, 'retention');
  mkdirSync(dir, { recursive: true });
  // not backups of this cluster by this playbook: retention must leave them alone
  const foreign: Record<string, string> = {
    'etcd-other-20200101T000000Z-rev7.db': 'another cluster',
    'etcd-other-20200101T000000Z-rev7.db.sha256': 'another cluster checksum',
    'etcd-etcd-hand-made-copy.db': 'not the playbook naming',
    'notes.txt': 'kept',
  };
  for (const [n, c] of Object.entries(foreign)) writeFileSync(join(dir, n), c);

  const taken: string[] = [];
  for (let i = 0; i < 4; i++) {
    // names carry the second: each backup gets its own
    if (i > 0) await sleep(1100);
    await putKey(sb, 'node1', 'backup-e2e-run', String(i));
    const before = new Set(snapshotsIn(dir));
    const r = await backup(sb, { backup_dir: dir, keep_last: 2 });
    t.is(r.code, 0, describeRun(r));
    t.is(r.end?.status, 'ok', describeRun(r));
    const added = snapshotsIn(dir).filter((n) => !before.has(n));
    t.is(added.length, 1, `run ${i + 1} added one snapshot: ${added.join(', ')}`);
    verifySnapshot(t, dir, added[0]!);
    taken.push(added[0]!);
    t.true(snapshotsIn(dir).length <= 2, `never more than 2 kept: ${snapshotsIn(dir).join(', ')}`);
  }
  t.deepEqual([...taken].sort(), taken, 'later backups have later names');
  const newest = taken.slice(-2);
  t.deepEqual(readdirSync(dir).sort(), [...Object.keys(foreign), ...newest.flatMap((n) => [n, `${n}.sha256`])].sort());
  for (const n of newest) verifySnapshot(t, dir, n);
  for (const [n, c] of Object.entries(foreign)) t.is(readFileSync(join(dir, n), 'utf8'), c, `${n} untouched`);
});

/** two verified backups in a fresh directory, for the --check tests */
async function twoBackups(t: ExecutionContext, sb: Sandbox, dir: string): Promise<void> {
  for (let i = 0; i < 2; i++) {
    if (i > 0) await sleep(1100);
    await putKey(sb, 'node1', 'backup-e2e-check', String(i));
    const r = await backup(sb, { backup_dir: dir, keep_last: 5 });
    t.is(r.code, 0, describeRun(r));
  }
  t.is(snapshotsIn(dir).length, 2, 'precondition: two backups');
}

test.serial('--check takes no snapshot and deletes none', async (t) => {
  const sb = sandbox();
  await waitHealthy(sb, 'a healthy cluster');
  const dir = join(cli.dir, 'check');
  await twoBackups(t, sb, dir);
  const before = dirState(dir);
  await sleep(1100);
  // keep_last=1 would delete one if this were not a check
  const r = await backup(sb, { backup_dir: dir, keep_last: 1 }, ['--check']);
  t.true(r.start?.check, describeRun(r));
  t.deepEqual(dirState(dir), before, describeRun(r));

  const fresh = join(cli.dir, 'check-fresh');
  const r2 = await backup(sb, { backup_dir: fresh }, ['--check']);
  t.false(existsSync(fresh), `${fresh} was not created\n${describeRun(r2)}`);
});

// --check: facts of read-only modules (set_fact) are kept, the verify/report steps skip
// themselves, and pruning a directory that does not exist yet is not an error.
test.serial('--check of the backup playbook succeeds and says what it would do', async (t) => {
  const sb = sandbox();
  await waitHealthy(sb, 'a healthy cluster');
  const dir = join(cli.dir, 'check-ok');
  const r = await backup(sb, { backup_dir: dir }, ['--check']);
  t.is(r.code, 0, describeRun(r));
  t.is(r.end?.status, 'ok', describeRun(r));
  t.true(r.events.some((e) => e.type === 'host:end' && e.task === 'Stream a snapshot to the backup host' && e.status === 'changed' && /would save a snapshot/.test(e.msg ?? '')), describeRun(r));
  t.deepEqual(snapshotsIn(dir), []);
});

test.serial('with every member down the backup is refused in preflight (exit 3)', async (t) => {
  const sb = sandbox();
  await waitHealthy(sb, 'a healthy cluster');
  const dir = join(cli.dir, 'all-down');
  try {
    for (const h of sb.hosts) await stopEtcd(sb, h);
    const r = await backup(sb, { backup_dir: dir });
    t.is(r.code, 3, describeRun(r));
    t.is(r.end?.status, 'refused');
    t.true(failedPreflightChecks(r).some((c) => /no member of .* is healthy/.test(c.message ?? '')), describeRun(r));
    t.false(r.events.some((e) => e.type === 'task:start' && e.phase === 'task'), 'no task ran');
    t.false(existsSync(dir), 'no backup directory was created');
  } finally {
    for (const h of sb.hosts) {
      await eventually(`etcd started on ${h.inventoryName}`, () => sb.hostExec(h, 'systemctl is-active etcd >/dev/null 2>&1 || systemctl start etcd'), 60_000);
    }
    await waitHealthy(sb, 'the cluster healthy again', 120_000);
  }
});

test.serial("the report's keys are the cluster's keys at the snapshot's revision; key_revisions is what snapshot status counts", async (t) => {
  const sb = sandbox();
  await waitHealthy(sb, 'a healthy cluster');
  // old versions and deletions: snapshot status counts each as a key, etcdctl get does not; the
  // run's own lock key (runbook/locks/cluster, with a lease) is in the snapshot but not counted
  const tag = randomBytes(4).toString('hex');
  await putEntries(sb, 'node1', makeEntries(`backup-e2e-count-${tag}`, 100, 'first'));
  await putEntries(sb, 'node1', makeEntries(`backup-e2e-count-${tag}`, 6, 'second'));
  t.is((await sb.etcdctl('node1', ['del', `backup-e2e-count-${tag}/key-00099`])).code, 0);
  const counted = await sb.etcdctl('node1', ['get', '', '--prefix', '--keys-only', '-w', 'json']);
  const live = Number(/"count":(\d+)/.exec(counted.stdout)?.[1]);
  t.true(live >= 99, counted.stdout + counted.stderr);

  const dir = join(cli.dir, 'count');
  const r = await backup(sb, { backup_dir: dir });
  t.is(r.code, 0, describeRun(r));
  const report = r.events.find((e) => e.type === 'host:end' && e.task === 'Report the backup' && e.status === 'ok');
  const msg = report && 'msg' in report ? (report.msg ?? '') : '';
  const parsed = JSON.parse(msg) as { backup: { keys: number | string; key_revisions: number | string; revision: number | string } };
  t.is(Number(parsed.backup.keys), live, `the report: ${msg}`);
  // etcdctl on the controller: what snapshot status itself calls totalKey
  const name = snapshotsIn(dir)[0]!;
  const status = JSON.parse(execFileSync('etcdctl', ['snapshot', 'status', join(dir, name), '-w', 'json'], { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } })) as { totalKey: number };
  t.is(Number(parsed.backup.key_revisions), status.totalKey);
  t.true(status.totalKey > live, `snapshot status counts ${status.totalKey} key revisions for ${live} keys`);
});
