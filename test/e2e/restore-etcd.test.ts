/**
 * playbooks/etcd-backup.yaml and playbooks/restore-etcd.yaml through the real command line,
 * against real 3-member etcd 3.4 sandboxes over real SSH: `restore` (plain http) and
 * `restoretls` (https, client certificates). For each:
 *
 *  1. back up ~1000 keys, lose every member's data, restore: every key is back, nothing newer;
 *  2. a restore on a healthy cluster whose etcd cannot start on one member rolls every member
 *     back to its original data;
 *  3. a corrupt, truncated or sha256-mismatched snapshot is refused in preflight (exit 3) and
 *     no member changes;
 *  4. an unreachable member stops the run before anything changes (exit 4).
 *
 * Everything is checked with etcdctl, systemctl and find inside the hosts, not with runbook.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import type { EventOf } from '../../src/events/types.js';
import {
  dataDirNeighbours,
  eventually,
  getKey,
  getPrefix,
  inodeOf,
  makeEntries,
  type MemberDiskState,
  memberDiskState,
  putEntries,
  putKey,
  stopEtcd,
  waitHealthy,
} from '../helpers/etcd-data.js';
import { CliSession, describeRun, failedPreflightChecks, recordedEvents } from '../helpers/runbook-cli.js';
import { type Sandbox, useSandbox } from '../helpers/sandbox.js';

const BACKUP = 'playbooks/etcd-backup.yaml';
const RESTORE = 'playbooks/restore-etcd.yaml';
const DATA_DIR = '/var/lib/etcd/default';
const KEYS = 1000;
const PREFIX = 'restore-e2e/';
/** a snapshot file as the backup playbook names it (cluster_name defaults to "etcd") */
const SNAPSHOT_NAME = /^etcd-etcd-\d{8}T\d{6}Z-rev\d+\.db$/;

const cli = new CliSession('restore-e2e-');
test.after(() => cli.remove());

interface Shared {
  keys?: Map<string, string>;
  snapshot?: string;
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is missing: the backup-and-restore test of this sandbox did not get that far`);
  return value;
}

function hostNames(sb: Sandbox): string[] {
  return sb.hosts.map((h) => h.inventoryName);
}

async function allDiskStates(sb: Sandbox): Promise<Record<string, MemberDiskState>> {
  return Object.fromEntries(await Promise.all(hostNames(sb).map(async (h) => [h, await memberDiskState(sb, h, DATA_DIR)] as const)));
}

/** keys whose value on the member is not the one written (missing ones included) */
function wrongKeys(want: Map<string, string>, got: Map<string, string>): string[] {
  return [...want].filter(([k, v]) => got.get(k) !== v).map(([k]) => k);
}

/** etcd and its data on every member are exactly as before: same process, same files, same inodes */
async function assertNothingChanged(t: ExecutionContext, sb: Sandbox, before: Record<string, MemberDiskState>): Promise<void> {
  const after = await allDiskStates(sb);
  for (const h of hostNames(sb)) {
    t.is(after[h]!.active, 'active', `etcd is still active on ${h}`);
    t.deepEqual(after[h], before[h], `nothing changed on ${h}`);
    const names = await dataDirNeighbours(sb, h, DATA_DIR);
    t.deepEqual(
      names.filter((n) => n.includes('pre-restore') || n.includes('.snapshot-') || n.includes('restore-tmp')),
      [],
      `no staged snapshot and no data dir set aside on ${h}`,
    );
  }
}

function sha256sumCheck(dir: string, checksumFile: string): string {
  return execFileSync('sha256sum', ['-c', checksumFile], { cwd: dir, encoding: 'utf8' });
}

function sha256Line(file: string, name: string): string {
  const hash = execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0]!;
  return `${hash}  ${name}\n`;
}

const damages: Array<{ label: string; problem: RegExp; make(good: string, dir: string): string }> = [
  {
    // damaged in the middle, with a .sha256 that matches the damaged file: only the content can tell
    label: 'corrupt (bytes flipped)',
    problem: /corrupt/,
    make(good, dir) {
      const buf = readFileSync(good);
      const at = Math.floor(buf.length / 2);
      for (let i = at; i < at + 16; i++) buf[i] = buf[i]! ^ 0xff;
      const file = join(dir, 'flipped.db');
      writeFileSync(file, buf);
      writeFileSync(`${file}.sha256`, sha256Line(file, 'flipped.db'));
      return file;
    },
  },
  {
    // cut in half, again with a matching .sha256
    label: 'truncated',
    problem: /truncated/,
    make(good, dir) {
      const buf = readFileSync(good);
      const file = join(dir, 'truncated.db');
      writeFileSync(file, buf.subarray(0, Math.floor(buf.length / 2)));
      writeFileSync(`${file}.sha256`, sha256Line(file, 'truncated.db'));
      return file;
    },
  },
  {
    // an intact snapshot whose .sha256 records another hash
    label: 'sha256-mismatched',
    problem: /does not match .*\.sha256/,
    make(good, dir) {
      const file = join(dir, 'mismatched.db');
      copyFileSync(good, file);
      const line = sha256Line(file, 'mismatched.db');
      writeFileSync(`${file}.sha256`, (line[0] === '0' ? '1' : '0') + line.slice(1));
      return file;
    },
  },
];

function scenarios(label: string, sandbox: () => Sandbox): void {
  const shared: Shared = {};
  const workDir = join(cli.dir, label);
  const backupDir = join(workDir, 'backups');

  test.serial(`${label}: a backup, then every member loses its data, then the restore brings every key back`, async (t) => {
    const sb = sandbox();
    const before = await waitHealthy(sb, 'a healthy cluster');
    const keys = makeEntries(PREFIX.slice(0, -1), KEYS, randomBytes(4).toString('hex'));
    await putEntries(sb, 'node1', keys);
    t.deepEqual(wrongKeys(keys, await getPrefix(sb, 'node3', PREFIX)), [], 'precondition: the keys are written');

    const backup = await cli.apply(BACKUP, { inventory: sb.inventoryYaml, vars: { backup_dir: backupDir } });
    t.is(backup.code, 0, describeRun(backup));
    t.is(backup.end?.status, 'ok');
    const snapshots = readdirSync(backupDir).filter((n) => SNAPSHOT_NAME.test(n));
    t.is(snapshots.length, 1, `one snapshot in ${backupDir}: ${readdirSync(backupDir).join(', ')}`);
    const snapshot = join(backupDir, snapshots[0]!);
    t.true(existsSync(`${snapshot}.sha256`), 'the .sha256 is beside the snapshot');
    t.regex(sha256sumCheck(backupDir, `${snapshots[0]}.sha256`), new RegExp(`^${snapshots[0]!.replace(/\./g, '\\.')}: OK$`, 'm'));
    shared.snapshot = snapshot;
    shared.keys = keys;

    // written after the backup: must not come back
    await putKey(sb, 'node1', 'restore-e2e-late/key', 'written-after-the-backup');

    // the disaster: etcd stopped and its data gone on every member
    for (const h of hostNames(sb)) {
      await stopEtcd(sb, h);
      await sb.hostExec(h, `rm -rf ${DATA_DIR}; test ! -e ${DATA_DIR}`);
    }
    for (const h of hostNames(sb)) {
      const s = await memberDiskState(sb, h, DATA_DIR);
      t.not(s.active, 'active', `etcd is down on ${h}`);
      t.is(s.etcdPids, '', `no etcd process on ${h}`);
      t.deepEqual(s.listing, [], `no data on ${h}`);
    }

    const restore = await cli.apply(RESTORE, { inventory: sb.inventoryYaml, vars: { snapshot } });
    t.is(restore.code, 0, describeRun(restore));
    t.is(restore.end?.status, 'ok');

    const view = await waitHealthy(sb, 'the restored cluster: 3 started members, one leader');
    t.is(view.members.length, 3);
    t.not(view.clusterId, before.clusterId, 'a new cluster (new token), not the old one');
    for (const h of hostNames(sb)) {
      t.is((await memberDiskState(sb, h, DATA_DIR)).active, 'active', `etcd runs on ${h}`);
      // each member's own copy (serializable read), not only what the leader answers
      const got = await eventually(`every key on ${h}`, async () => {
        const m = await getPrefix(sb, h, PREFIX, { serializable: true });
        if (wrongKeys(keys, m).length) throw new Error(`${wrongKeys(keys, m).length} keys missing or wrong`);
        return m;
      });
      t.is(got.size, KEYS, `exactly the ${KEYS} keys under ${PREFIX} on ${h}`);
      t.is(await getKey(sb, h, 'restore-e2e-late/key', { serializable: true }), undefined, `the key written after the backup is not on ${h}`);
      // there was no data dir to set aside, and the staged snapshot copy is removed after success
      t.deepEqual(await dataDirNeighbours(sb, h, DATA_DIR), ['default'], `only the restored data dir on ${h}`);
    }
  });

  test.serial(`${label}: a restore whose etcd cannot start on one member puts every member back on its original data`, async (t) => {
    const sb = sandbox();
    const snapshot = need(shared.snapshot, 'the snapshot');
    const keys = need(shared.keys, 'the keys');
    const before = await waitHealthy(sb, 'a healthy cluster');
    for (const h of hostNames(sb)) {
      // the guard below keeps etcd down whenever a set-aside data dir exists
      t.deepEqual((await dataDirNeighbours(sb, h, DATA_DIR)).filter((n) => n.includes('pre-restore')), [], `precondition: nothing set aside on ${h}`);
    }
    const marker = `after-backup-${randomBytes(4).toString('hex')}`;
    await putKey(sb, 'node1', 'restore-e2e-marker', marker);

    // node2's etcd refuses to start while its original data is set aside, i.e. only on restored data
    await sb.hostExec(
      'node2',
      `set -e
cp /etc/systemd/system/etcd.service /root/etcd.service.before-guard
cat > /etc/etcd/start-guard.sh <<'EOF'
#!/bin/sh
for d in ${DATA_DIR}.pre-restore-*; do
  if [ -e "$d" ]; then echo "start-guard: $d exists, not starting" >&2; exit 1; fi
done
exec /usr/bin/etcd
EOF
chmod 755 /etc/etcd/start-guard.sh
sed -i 's|^ExecStart=/usr/bin/etcd$|ExecStart=/etc/etcd/start-guard.sh|' /etc/systemd/system/etcd.service
grep -qx 'ExecStart=/etc/etcd/start-guard.sh' /etc/systemd/system/etcd.service
systemctl daemon-reload
systemctl restart etcd`,
    );
    try {
      // the guarded unit starts etcd normally when nothing is set aside
      const guarded = await waitHealthy(sb, 'the cluster healthy with the guarded unit on node2');
      const leaderName = need(guarded.members.find((m) => m.id === guarded.leader)?.name, 'the leader member');
      const leaderHost = need(sb.hosts.find((h) => h.etcd?.name === leaderName)?.inventoryName, 'the leader host');
      const inodes: Record<string, [string, string]> = {};
      for (const h of hostNames(sb)) {
        inodes[h] = [await inodeOf(sb, h, DATA_DIR), await inodeOf(sb, h, `${DATA_DIR}/member/snap/db`)];
        t.not(inodes[h]![0], '');
        t.not(inodes[h]![1], '');
      }

      const r = await cli.apply(RESTORE, { inventory: sb.inventoryYaml, vars: { snapshot } });
      t.is(r.code, 1, describeRun(r));
      t.is(r.end?.status, 'rolled_back', describeRun(r));
      t.is(recordedEvents(r).find((e): e is EventOf<'run:end'> => e.type === 'run:end')?.status, 'rolled_back', 'events.jsonl says rolled_back too');
      const runId = need(r.start?.runId, 'the run id');
      // it got as far as restoring every member, and it was etcd's start on node2 that failed
      const restored = r.events.filter((e) => e.type === 'host:end' && e.phase === 'task' && /^Restore each member/.test(e.task) && e.status === 'changed');
      t.is(restored.length, 3, describeRun(r));
      const failed = r.events.filter((e): e is EventOf<'host:end'> => e.type === 'host:end' && e.phase === 'task' && e.status === 'failed');
      t.deepEqual(
        failed.map((e) => [e.host, e.task]),
        [['node2', 'Start etcd on every member']],
        describeRun(r),
      );
      // the followers stopped first, the leader after them (it then has nobody to hand over to)
      const stopped = (task: string) =>
        r.events.filter((e): e is EventOf<'host:end'> => e.type === 'host:end' && e.phase === 'task' && e.task === task && e.status === 'changed').map((e) => e.host);
      t.deepEqual(stopped('Stop etcd on the followers').sort(), hostNames(sb).filter((h) => h !== leaderHost).sort(), describeRun(r));
      t.deepEqual(stopped('Stop etcd on the leader'), [leaderHost], describeRun(r));
      for (const h of hostNames(sb)) {
        const recap = r.end!.recap[h]!;
        t.true(recap.rolled_back > 0, `${h} was rolled back: ${JSON.stringify(recap)}`);
        t.is(recap.rollback_failed, 0, `${h}: ${JSON.stringify(recap)}`);
      }

      const after = await waitHealthy(sb, 'the original cluster healthy again');
      t.is(after.clusterId, before.clusterId, 'the original cluster, not a restored one');
      for (const h of hostNames(sb)) {
        t.is((await memberDiskState(sb, h, DATA_DIR)).active, 'active', `etcd runs on ${h}`);
        t.deepEqual(
          [await inodeOf(sb, h, DATA_DIR), await inodeOf(sb, h, `${DATA_DIR}/member/snap/db`)],
          inodes[h],
          `${h} runs on its original data dir (same inodes)`,
        );
        // the marker was written after the backup: only the original data has it
        t.is(await eventually(`the marker on ${h}`, async () => {
          const v = await getKey(sb, h, 'restore-e2e-marker', { serializable: true });
          if (v !== marker) throw new Error(`marker is ${v}`);
          return v;
        }), marker);
        t.deepEqual(wrongKeys(keys, await getPrefix(sb, h, PREFIX, { serializable: true })), [], `every key on ${h}`);
        // the original is back in place; the restored data is kept beside it, as the rollback says
        t.deepEqual(await dataDirNeighbours(sb, h, DATA_DIR), ['default', `default.failed-restore-${runId}`], `data dirs on ${h}`);
      }
    } finally {
      await sb.hostExec(
        'node2',
        `cp /root/etcd.service.before-guard /etc/systemd/system/etcd.service && rm -f /etc/etcd/start-guard.sh /root/etcd.service.before-guard
systemctl daemon-reload
systemctl restart etcd`,
      );
      await waitHealthy(sb, 'the cluster healthy after putting node2\'s unit back', 120_000);
    }
  });

  for (const damage of damages) {
    test.serial(`${label}: a ${damage.label} snapshot is refused in preflight and nothing changes`, async (t) => {
      const sb = sandbox();
      const good = need(shared.snapshot, 'the snapshot');
      const dir = join(workDir, 'damaged');
      mkdirSync(dir, { recursive: true });
      const bad = damage.make(good, dir);
      await waitHealthy(sb, 'a healthy cluster');
      const before = await allDiskStates(sb);
      for (const h of hostNames(sb)) {
        t.is(before[h]!.active, 'active', `precondition: etcd runs on ${h}`);
        t.not(before[h]!.etcdPids, '');
      }

      const r = await cli.apply(RESTORE, { inventory: sb.inventoryYaml, vars: { snapshot: bad } });
      t.is(r.code, 3, describeRun(r));
      t.is(r.end?.status, 'refused');
      t.true(failedPreflightChecks(r).some((c) => damage.problem.test(c.message ?? '')), describeRun(r));
      t.false(r.events.some((e) => e.type === 'task:start' && e.phase === 'task'), 'no task ran');
      await assertNothingChanged(t, sb, before);
    });
  }

  test.serial(`${label}: an unreachable member stops the restore before anything changes`, async (t) => {
    const sb = sandbox();
    const snapshot = need(shared.snapshot, 'the snapshot');
    // node2 moved to an address of the sandbox subnet that nothing has
    const net = sb.subnet.split('/')[0]!.split('.').slice(0, 3).join('.');
    const nowhere = `${net}.200`;
    t.false(sb.hosts.some((h) => h.ip === nowhere));
    t.regex(execFileSync('ip', ['route', 'get', nowhere], { encoding: 'utf8' }), new RegExp(`\\bdev ${sb.cluster.bridge}\\b`), `${nowhere} is routed to the sandbox bridge`);
    const inv = parseYaml(readFileSync(sb.inventoryYaml, 'utf8')) as { all: { children: { etcd: { hosts: Record<string, { ansible_host: string }> } } } };
    inv.all.children.etcd.hosts.node2!.ansible_host = nowhere;
    mkdirSync(workDir, { recursive: true });
    const inventory = join(workDir, 'inventory-node2-unreachable.yaml');
    writeFileSync(inventory, toYaml(inv));

    await waitHealthy(sb, 'a healthy cluster');
    const before = await allDiskStates(sb);
    const r = await cli.apply(RESTORE, { inventory, vars: { snapshot }, args: ['--connect-timeout', '10'] });
    t.is(r.code, 4, describeRun(r));
    t.is(r.end?.status, 'refused');
    t.true(r.end?.recap.node2?.unreachable, describeRun(r));
    t.false(r.end?.recap.node1?.unreachable);
    t.false(r.end?.recap.node3?.unreachable);
    t.false(r.events.some((e) => e.type === 'preflight:start' || e.type === 'task:start'), 'nothing ran, not even preflight');
    await assertNothingChanged(t, sb, before);
  });
}

scenarios('plain', useSandbox(test, { name: 'restore' }));
scenarios('TLS', useSandbox(test, { name: 'restoretls', tls: true }));
