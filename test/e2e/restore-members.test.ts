/**
 * playbooks/restore-etcd.yaml refuses, in preflight and before anything changes, a run that
 * leaves out a member of the running cluster: `--limit node1`, or an inventory that does not
 * name every member. The running cluster's member list comes from any member that answers, in
 * the run or not. On a real 3-member etcd 3.4 sandbox run by systemd, and on a kubeadm sandbox
 * (etcd 3.5 as a static pod run by the kubelet stand-in, see test/cluster/README.md).
 *
 * Checked with etcdctl, ps and find inside the hosts, not with runbook.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { type MemberDiskState, memberDiskState, stopEtcd, waitHealthy } from '../helpers/etcd-data.js';
import { CliSession, type CliResult, describeRun, failedPreflightChecks } from '../helpers/runbook-cli.js';
import { type Sandbox, useSandbox } from '../helpers/sandbox.js';

const BACKUP = 'playbooks/etcd-backup.yaml';
const RESTORE = 'playbooks/restore-etcd.yaml';
const CHECK = 'every member of the running cluster is a host of this run';

const cli = new CliSession('restore-members-e2e-');
test.after(() => cli.remove());
const SLOW_MS = 15 * 60_000;
// registered before the sandboxes' own hooks, so a kubeadm boot is not cut short by ava's idle timeout
test.before((t) => t.timeout(SLOW_MS));
const systemd = useSandbox(test, { name: 'rmembers' });
const kubeadm = useSandbox(test, { name: 'rmembersk', kubeadm: true, etcdVersion: '3.5' });

function hostNames(sb: Sandbox): string[] {
  return sb.hosts.map((h) => h.inventoryName);
}

/** the data dir whose parent memberDiskState lists: kubeadm's /var/lib/etcd is a mount of its own */
function dataDirOf(sb: Sandbox): string {
  return sb.kubeadm ? '/var/lib/etcd/member' : '/var/lib/etcd/default';
}

/**
 * etcd's process and the data dir's entries with their inodes; on kubeadm without sizes, as the
 * API server stand-in writes all the time
 */
async function states(sb: Sandbox): Promise<Record<string, MemberDiskState>> {
  const one = async (h: string): Promise<MemberDiskState> => {
    const s = await memberDiskState(sb, h, dataDirOf(sb));
    return sb.kubeadm ? { ...s, listing: s.listing.map((l) => l.replace(/^(\d+ \w+ )\d+ /, '$1')) } : s;
  };
  return Object.fromEntries(await Promise.all(hostNames(sb).map(async (h) => [h, await one(h)] as const)));
}

async function backup(t: ExecutionContext, sb: Sandbox): Promise<string> {
  const dir = join(cli.dir, sb.name, 'backups');
  const r = await cli.apply(BACKUP, { inventory: sb.inventoryYaml, vars: { backup_dir: dir } });
  t.is(r.code, 0, describeRun(r));
  const snap = readdirSync(dir).find((n) => n.endsWith('.db'));
  if (!snap) throw new Error(`no snapshot in ${dir}`);
  return join(dir, snap);
}

/** refused in preflight by the member check alone, no task ran, and every member is as before */
async function assertRefused(t: ExecutionContext, sb: Sandbox, r: CliResult, before: Record<string, MemberDiskState>, problem: RegExp): Promise<void> {
  t.is(r.code, 3, describeRun(r));
  t.is(r.end?.status, 'refused', describeRun(r));
  const failed = failedPreflightChecks(r);
  t.deepEqual([...new Set(failed.map((c) => c.check))], [CHECK], describeRun(r));
  t.regex(failed[0]?.message ?? '', problem, describeRun(r));
  t.false(r.events.some((e) => e.type === 'task:start' && e.phase === 'task'), 'no task ran');
  const after = await states(sb);
  for (const h of hostNames(sb)) t.deepEqual(after[h], before[h], `nothing changed on ${h} (same etcd process, same files)`);
}

function inventoryWithout(sb: Sandbox, host: string): string {
  const inv = parseYaml(readFileSync(sb.inventoryYaml, 'utf8')) as { all: { children: { etcd: { hosts: Record<string, unknown> } } } };
  delete inv.all.children.etcd.hosts[host];
  const dir = join(cli.dir, sb.name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `inventory-without-${host}.yaml`);
  writeFileSync(file, toYaml(inv));
  return file;
}

const shared: { systemdSnapshot?: string } = {};

test.serial('systemd: restore with --limit node1 on a running cluster is refused in preflight, naming node2 and node3', async (t) => {
  const sb = systemd();
  await waitHealthy(sb, 'a healthy cluster');
  const snapshot = (shared.systemdSnapshot = await backup(t, sb));
  const before = await states(sb);
  for (const h of hostNames(sb)) t.not(before[h]!.etcdPids, '', `precondition: etcd runs on ${h}`);
  const r = await cli.apply(RESTORE, { inventory: sb.inventoryYaml, vars: { snapshot }, args: ['--limit', 'node1'] });
  await assertRefused(t, sb, r, before, /leaves out 2: node2 \[\w+ \(http:\/\/[^)]+:2380\)\], node3 \[\w+ \(http:\/\/[^)]+:2380\)\] are in the inventory but not in this run.*run without --limit/);
});

test.serial('systemd: with node1 itself down, --limit node1 is still refused: node2, outside the run, gives the member list', async (t) => {
  const sb = systemd();
  const snapshot = shared.systemdSnapshot;
  if (!snapshot) throw new Error('the first test of this file did not take a backup');
  await stopEtcd(sb, 'node1');
  try {
    const before = await states(sb);
    t.is(before.node1!.etcdPids, '', 'precondition: no etcd on node1');
    const r = await cli.apply(RESTORE, { inventory: sb.inventoryYaml, vars: { snapshot }, args: ['--limit', 'node1'] });
    await assertRefused(t, sb, r, before, /as node[23] answers\) and this run leaves out 2: node2 .*node3 /);
  } finally {
    await sb.hostExec('node1', 'systemctl start etcd');
    await waitHealthy(sb, 'node1 back in the cluster');
  }
});

test.serial('systemd: an inventory that does not name node3 is refused, saying node3 is not in the inventory', async (t) => {
  const sb = systemd();
  const snapshot = shared.systemdSnapshot;
  if (!snapshot) throw new Error('the first test of this file did not take a backup');
  await waitHealthy(sb, 'a healthy cluster');
  const before = await states(sb);
  const r = await cli.apply(RESTORE, { inventory: inventoryWithout(sb, 'node3'), vars: { snapshot } });
  await assertRefused(t, sb, r, before, /has 3 members .* leaves out 1: \w+ \(http:\/\/[^)]+:2380\) is not in the inventory.*add every member to the inventory/);
});

test.serial('kubeadm: restore with --limit node1 on a running static-pod cluster is refused in preflight, naming node2 and node3', async (t) => {
  t.timeout(SLOW_MS);
  const sb = kubeadm();
  await waitHealthy(sb, 'a healthy kubeadm cluster');
  const snapshot = await backup(t, sb);
  const before = await states(sb);
  for (const h of hostNames(sb)) t.not(before[h]!.etcdPids, '', `precondition: etcd runs on ${h}`);
  const r = await cli.apply(RESTORE, { inventory: sb.inventoryYaml, vars: { snapshot }, args: ['--limit', 'node1'] });
  await assertRefused(t, sb, r, before, /leaves out 2: node2 \[\w+ \(https:\/\/[^)]+:2380\)\], node3 \[\w+ \(https:\/\/[^)]+:2380\)\]/);
});
