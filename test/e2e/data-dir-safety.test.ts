/**
 * playbooks/restore-etcd.yaml against the two ways a data dir used to be lost or moved under a
 * running etcd, on one real 3-member etcd sandbox run by systemd:
 *
 *  1. etcd runs outside its unit on one member (started by hand): `systemctl is-active` says it
 *     is not running, so the old stop step did nothing and the data dir was moved under the
 *     running etcd. Now the stop is proven from /proc, the run fails there and rolls back, and no
 *     data dir moved anywhere.
 *  2. the data dir is a mount point (etcd_data_dir=/var/lib/etcd, the sandbox's own mount, as a
 *     dedicated disk is): it could not be moved ("Device or resource busy"). Now its contents are
 *     kept inside it, on the same disk, and the restore brings every key back.
 *
 * Checked with etcdctl, ps, find and /proc/self/mountinfo inside the hosts, not with runbook.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import type { EventOf } from '../../src/events/types.js';
import { ETCD_PIDS, eventually, getKey, getPrefix, makeEntries, memberDiskState, putEntries, putKey, stopEtcd, waitHealthy } from '../helpers/etcd-data.js';
import { CliSession, describeRun } from '../helpers/runbook-cli.js';
import { type Sandbox, useSandbox } from '../helpers/sandbox.js';

const BACKUP = 'playbooks/etcd-backup.yaml';
const RESTORE = 'playbooks/restore-etcd.yaml';
const KEYS = 300;
const PREFIX = 'safety-e2e/';

const cli = new CliSession('data-dir-safety-e2e-');
test.after(() => cli.remove());
const sandbox = useSandbox(test, { name: 'datasafety' });

const shared: { snapshot?: string; keys?: Map<string, string> } = {};

function hostNames(sb: Sandbox): string[] {
  return sb.hosts.map((h) => h.inventoryName);
}

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`${what} is missing: an earlier test of this file did not get that far`);
  return v;
}

/** the sandbox inventory with other vars for every host */
function inventoryWith(sb: Sandbox, name: string, vars: Record<string, string>): string {
  const inv = parseYaml(readFileSync(sb.inventoryYaml, 'utf8')) as { all: { vars?: Record<string, unknown> } };
  inv.all.vars = { ...inv.all.vars, ...vars };
  const dir = join(cli.dir, 'inventories');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, toYaml(inv));
  return file;
}

/** every entry under /var/lib/etcd with its inode: what a run must not have touched */
async function listing(sb: Sandbox, h: string): Promise<string[]> {
  const r = await sb.hostExec(h, "find /var/lib/etcd -xdev -mindepth 1 -maxdepth 3 -printf '%i %y %P\\n' | sort -k3");
  return r.stdout.split('\n').filter(Boolean);
}

test.serial('a backup to restore from', async (t) => {
  const sb = sandbox();
  await waitHealthy(sb, 'a healthy cluster');
  const keys = makeEntries(PREFIX.slice(0, -1), KEYS, randomBytes(4).toString('hex'));
  await putEntries(sb, 'node1', keys);
  const backupDir = join(cli.dir, 'backups');
  const r = await cli.apply(BACKUP, { inventory: sb.inventoryYaml, vars: { backup_dir: backupDir } });
  t.is(r.code, 0, describeRun(r));
  const snap = readdirSync(backupDir).find((n) => n.endsWith('.db'));
  shared.snapshot = join(backupDir, need(snap, 'the snapshot file'));
  shared.keys = keys;
});

test.serial('a stop that leaves etcd running fails the restore before any data dir moves, and the run rolls back', async (t) => {
  const sb = sandbox();
  const snapshot = need(shared.snapshot, 'the snapshot');
  // node2's etcd runs outside its unit: stopped by systemctl, then started by hand on the same data
  await stopEtcd(sb, 'node2');
  await sb.hostExec(
    'node2',
    `set -a; . /etc/etcd/etcd.conf; set +a
setsid /usr/bin/etcd >/var/log/etcd-by-hand.log 2>&1 < /dev/null &
echo started`,
  );
  try {
    await waitHealthy(sb, 'the cluster healthy with etcd run by hand on node2');
    const byHand = (await sb.hostExec('node2', ETCD_PIDS)).stdout.trim();
    t.not(byHand, '', 'precondition: etcd runs on node2');
    t.not((await memberDiskState(sb, 'node2')).active, 'active', 'precondition: systemd does not know it');
    const marker = `marker-${randomBytes(4).toString('hex')}`;
    await putKey(sb, 'node1', 'safety-e2e-marker', marker);
    const before = Object.fromEntries(await Promise.all(hostNames(sb).map(async (h) => [h, await listing(sb, h)] as const)));

    const r = await cli.apply(RESTORE, { inventory: sb.inventoryYaml, vars: { snapshot } });
    t.is(r.code, 1, describeRun(r));
    t.is(r.end?.status, 'rolled_back', describeRun(r));
    const failed = r.events.filter((e): e is EventOf<'host:end'> => e.type === 'host:end' && e.phase === 'task' && e.status === 'failed');
    t.deepEqual(failed.map((e) => e.host), ['node2'], describeRun(r));
    t.regex(failed[0]?.task ?? '', /^Stop etcd on the (followers|leader)$/);
    t.regex(failed[0]?.msg ?? '', /etcd\.service is \w+, yet \d+ \(\/usr\/bin\/etcd\) still holds \/var\/lib\/etcd\/default/, describeRun(r));
    t.false(
      r.events.some((e) => e.type === 'task:start' && e.phase === 'task' && /^Move the data dir aside/.test(e.task)),
      'no data dir was moved on any member',
    );

    await waitHealthy(sb, 'the cluster healthy again after the rollback');
    t.is((await sb.hostExec('node2', ETCD_PIDS)).stdout.trim(), byHand, 'the etcd run by hand is the same process');
    for (const h of hostNames(sb)) {
      const after = await listing(sb, h);
      // etcd writes on, so only the names and inodes of the dirs are compared, not every file
      const dirs = (l: string[]) => l.filter((e) => / d /.test(e));
      t.deepEqual(dirs(after), dirs(before[h]!), `the data dirs on ${h} are the same dirs`);
      t.false(after.some((e) => /pre-restore|restore-tmp|\.snapshot-/.test(e)), `nothing set aside or staged on ${h}`);
      t.is(await eventually(`the marker on ${h}`, async () => {
        const v = await getKey(sb, h, 'safety-e2e-marker', { serializable: true });
        if (v !== marker) throw new Error(`marker is ${v}`);
        return v;
      }), marker);
    }
  } finally {
    await sb.hostExec('node2', `pkill -x etcd || true
for i in $(seq 1 100); do [ -z "$(${ETCD_PIDS})" ] && break; sleep 0.2; done
systemctl start etcd`);
    await waitHealthy(sb, 'the cluster healthy with node2 under systemd again', 120_000);
  }
});

test.serial('a data dir that is a mount point is restored on its own disk, its old contents kept inside it', async (t) => {
  const sb = sandbox();
  const snapshot = need(shared.snapshot, 'the snapshot');
  const keys = need(shared.keys, 'the keys');
  // every member's data moves up to /var/lib/etcd, the host's own mount (a dedicated disk)
  await Promise.all(
    hostNames(sb).map(async (h) => {
      await stopEtcd(sb, h);
      await sb.hostExec(
        h,
        `set -e
mv /var/lib/etcd/default/member /var/lib/etcd/member
rmdir /var/lib/etcd/default
sed -i 's|^ETCD_DATA_DIR=.*|ETCD_DATA_DIR=/var/lib/etcd|' /etc/etcd/etcd.conf
grep -qx 'ETCD_DATA_DIR=/var/lib/etcd' /etc/etcd/etcd.conf
awk '$5 == "/var/lib/etcd" {f=1} END {exit !f}' /proc/self/mountinfo`,
      );
    }),
  );
  await Promise.all(hostNames(sb).map((h) => sb.hostExec(h, 'systemctl start etcd', { timeoutMs: 120_000 })));
  await waitHealthy(sb, 'the cluster on /var/lib/etcd');
  await putKey(sb, 'node1', 'safety-e2e-late', 'after-the-backup');
  const inventory = inventoryWith(sb, 'mount-point', { etcd_data_dir: '/var/lib/etcd' });

  const r = await cli.apply(RESTORE, { inventory, vars: { snapshot } });
  t.is(r.code, 0, describeRun(r));
  const runId = need(r.start?.runId, 'the run id');
  const preflight = r.events.filter((e): e is EventOf<'host:end'> => e.type === 'host:end' && e.phase === 'preflight' && /^the data dir/.test(e.task));
  t.is(preflight.length, 3, describeRun(r));
  for (const e of preflight) t.regex(e.msg ?? '', /\/var\/lib\/etcd: a mount point/);

  await waitHealthy(sb, 'the restored cluster');
  for (const h of hostNames(sb)) {
    const got = await eventually(`every key on ${h}`, async () => {
      const m = await getPrefix(sb, h, PREFIX, { serializable: true });
      if (m.size !== keys.size) throw new Error(`${m.size} keys`);
      return m;
    });
    t.deepEqual([...got].filter(([k, v]) => keys.get(k) !== v), [], `the snapshot's keys on ${h}`);
    t.is(await getKey(sb, h, 'safety-e2e-late', { serializable: true }), undefined, `nothing newer than the backup on ${h}`);
    const names = (await sb.hostExec(h, 'ls -A /var/lib/etcd; ls -A /var/lib/etcd/.pre-restore-* ; ls -d /var/lib/etcd.* 2>/dev/null || true')).stdout.split('\n').filter(Boolean);
    t.deepEqual(names, [`.pre-restore-${runId}`, 'member', 'member'], `the restored member/ and the old one kept inside the mount on ${h}`);
    t.is((await sb.hostExec(h, "awk '$5 == \"/var/lib/etcd\" {print \"mounted\"}' /proc/self/mountinfo")).stdout.trim(), 'mounted', `/var/lib/etcd is still the mount on ${h}`);
  }
});
