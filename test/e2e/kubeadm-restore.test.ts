/**
 * playbooks/etcd-backup.yaml and playbooks/restore-etcd.yaml on a kubeadm sandbox with etcd 3.5:
 * etcd runs as a static pod from /etc/kubernetes/manifests/etcd.yaml, its data dir
 * /var/lib/etcd is a mount of its own, and the API server is a pod that keeps writing
 * (test/cluster/README.md describes both stand-ins: the static-pod runner for kubelet, and the
 * writer for kube-apiserver). The same playbook files as on systemd, the same inventory
 * variables a kubeadm cluster has:
 *
 *  1. back up 2000 keys, wipe every member's /var/lib/etcd, restore with stop_writers: every key
 *     is back, the writer pod was stopped while etcd was replaced and writes again after;
 *  2. a restore whose etcd cannot start on one member rolls every member back, every key there;
 *  3. Ctrl-C (SIGINT to the command line) in the middle of the restore rolls back too.
 *
 * Checked inside the hosts with etcdctl 3.5, the runner's pods.json, ls and /proc, not with runbook.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import type { EventOf, RunEvent } from '../../src/events/types.js';
import { childOutput } from '../helpers/child-output.js';
import { eventually, getKey, getPrefix, makeEntries, putEntries, putKey, waitHealthy } from '../helpers/etcd-data.js';
import { CliSession, cliCommand, describeRun, parseEvents, repoRoot, type CliResult } from '../helpers/runbook-cli.js';
import { type Sandbox, useSandbox } from '../helpers/sandbox.js';

const BACKUP = 'playbooks/etcd-backup.yaml';
const RESTORE = 'playbooks/restore-etcd.yaml';
const KEYS = 2000;
const PREFIX = 'kubeadm-e2e/';
const MANIFESTS = '/etc/kubernetes/manifests';
const PARKED = '/etc/kubernetes/manifests-parked';

const cli = new CliSession('kubeadm-restore-e2e-');
test.after(() => cli.remove());
/** a kubeadm sandbox boots in minutes on a busy machine, and one restore with its checks takes as long */
const SLOW_MS = 15 * 60_000;
// registered before the sandbox's own hook, so its boot is not cut short by ava's idle timeout
test.before((t) => t.timeout(SLOW_MS));
const sandbox = useSandbox(test, { name: 'kuberestore', kubeadm: true, etcdVersion: '3.5' });

const shared: { snapshot?: string; keys?: Map<string, string> } = {};

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`${what} is missing: an earlier test of this file did not get that far`);
  return v;
}

function hostNames(sb: Sandbox): string[] {
  return sb.hosts.map((h) => h.inventoryName);
}

/** the writer's own key on a node: it puts a new value (a counter and a time) every second */
async function writerValue(sb: Sandbox, h: string): Promise<string> {
  return (await getKey(sb, h, `/registry/sandbox-writer/${h}`)) ?? '';
}

/** pods the runner runs on a host, by name without the node suffix */
async function runningPods(sb: Sandbox, h: string): Promise<string[]> {
  const pods = await sb.staticPods(h);
  return pods
    .filter((p) => p.phase === 'Running' && p.containers.every((c) => c.pid !== null))
    .map((p) => p.name.replace(new RegExp(`-${h}$`), ''))
    .sort();
}

/** what a restore leaves in the manifests dirs and in /var/lib/etcd (names only) */
async function layout(sb: Sandbox, h: string): Promise<{ manifests: string; parked: string; data: string }> {
  const r = await sb.hostExec(h, `echo "$(ls -A ${MANIFESTS} | tr '\\n' ' ')"; echo "$(ls -A ${PARKED} 2>/dev/null | tr '\\n' ' ')"; echo "$(ls -A /var/lib/etcd | tr '\\n' ' ')"`);
  const [manifests, parked, data] = r.stdout.split('\n').map((l) => l.trim());
  return { manifests: manifests!, parked: parked!, data: data! };
}

function wrongKeys(want: Map<string, string>, got: Map<string, string>): string[] {
  return [...want].filter(([k, v]) => got.get(k) !== v).map(([k]) => k);
}

async function everyKeyOnEveryMember(t: ExecutionContext, sb: Sandbox, keys: Map<string, string>): Promise<void> {
  for (const h of hostNames(sb)) {
    const got = await eventually(`every key on ${h}`, async () => {
      const m = await getPrefix(sb, h, PREFIX, { serializable: true });
      if (wrongKeys(keys, m).length) throw new Error(`${wrongKeys(keys, m).length} keys missing or wrong`);
      return m;
    });
    t.is(got.size, keys.size, `exactly the ${keys.size} keys under ${PREFIX} on ${h}`);
  }
}

/** the task events of a run, in order: [task, host, status] */
function taskEnds(r: CliResult): Array<EventOf<'host:end'>> {
  return r.events.filter((e): e is EventOf<'host:end'> => e.type === 'host:end' && e.phase === 'task');
}

test.serial('backup, every member wiped, restore with the writer stopped: 2000 of 2000 keys back, the writer writes again', async (t) => {
  t.timeout(SLOW_MS);
  const sb = sandbox();
  const before = await waitHealthy(sb, 'a healthy kubeadm cluster');
  for (const h of hostNames(sb)) t.deepEqual(await runningPods(sb, h), ['etcd', 'kube-apiserver'], `precondition: both pods run on ${h}`);
  const keys = makeEntries(PREFIX.slice(0, -1), KEYS, randomBytes(4).toString('hex'));
  await putEntries(sb, 'node1', keys);

  const backupDir = join(cli.dir, 'backups');
  const backup = await cli.apply(BACKUP, { inventory: sb.inventoryYaml, vars: { backup_dir: backupDir } });
  t.is(backup.code, 0, describeRun(backup));
  const snapshot = join(backupDir, need(readdirSync(backupDir).find((n) => n.endsWith('.db')), 'the snapshot file'));
  shared.snapshot = snapshot;
  shared.keys = keys;
  await putKey(sb, 'node1', 'kubeadm-e2e-late', 'written-after-the-backup');

  // the disaster: every member's data gone. etcd is stopped for the wipe (its manifest moved
  // away by hand, not where runbook parks it), then comes back on empty data dirs
  for (const h of hostNames(sb)) {
    await sb.hostExec(
      h,
      `set -e
mv ${MANIFESTS}/etcd.yaml /root/etcd.yaml.wipe
for i in $(seq 1 300); do pgrep -x etcd >/dev/null || break; sleep 0.2; done
! pgrep -x etcd
find /var/lib/etcd -mindepth 1 -delete
[ -z "$(ls -A /var/lib/etcd)" ]
mv /root/etcd.yaml.wipe ${MANIFESTS}/etcd.yaml`,
      { timeoutMs: 120_000 },
    );
  }

  const r = await cli.apply(RESTORE, { inventory: sb.inventoryYaml, vars: { snapshot, stop_writers: true }, timeoutMs: 600_000 });
  t.is(r.code, 0, describeRun(r));
  const runId = need(r.start?.runId, 'the run id');
  const ends = taskEnds(r);
  const order = (task: RegExp) => ends.findIndex((e) => task.test(e.task));
  // the writer stopped on every node before etcd stopped, and started after the cluster was healthy
  t.deepEqual(ends.filter((e) => /^Stop the API server's static pod/.test(e.task) && e.status === 'changed').map((e) => e.host).sort(), hostNames(sb));
  t.true(order(/^Stop the API server's static pod/) < order(/^Stop etcd on the followers/), describeRun(r));
  t.true(order(/^Wait for one leader/) < order(/^Start the API server's static pod again/), describeRun(r));
  t.deepEqual(ends.filter((e) => /^Start the API server's static pod again/.test(e.task) && e.status === 'changed').map((e) => e.host).sort(), hostNames(sb));
  // the stops were static-pod stops, found from the inventory's etcd_config_style
  for (const e of ends.filter((e) => /^Stop etcd on the (followers|leader)/.test(e.task) && e.status === 'changed')) {
    t.regex(e.msg ?? '', /etcd stopped: \/etc\/kubernetes\/manifests\/etcd\.yaml parked at \/etc\/kubernetes\/manifests-parked\/etcd\.yaml/);
  }

  const view = await waitHealthy(sb, 'the restored cluster');
  t.not(view.clusterId, before.clusterId, 'a new cluster from the snapshot');
  await everyKeyOnEveryMember(t, sb, keys);
  for (const h of hostNames(sb)) {
    t.is(await getKey(sb, h, 'kubeadm-e2e-late', { serializable: true }), undefined, `nothing newer than the backup on ${h}`);
    t.deepEqual(await layout(sb, h), { manifests: 'etcd.yaml kube-apiserver.yaml', parked: '', data: `.pre-restore-${runId} member` }, `${h}: manifests back, none parked, old data kept inside the mount`);
    t.deepEqual(await runningPods(sb, h), ['etcd', 'kube-apiserver'], `both pods run again on ${h}`);
  }
  // the writer is back at work on the restored cluster: each node's key keeps changing
  const values = await Promise.all(hostNames(sb).map((h) => writerValue(sb, h)));
  await eventually('the writer writing again', async () => {
    const now = await Promise.all(hostNames(sb).map((h) => writerValue(sb, h)));
    if (!now.every((v, i) => v !== '' && v !== values[i])) throw new Error(`writer keys ${now.join(' | ')} did not change from ${values.join(' | ')}`);
  });
});

test.serial('a restore whose etcd cannot start on one member rolls every member back, every key there', async (t) => {
  t.timeout(SLOW_MS);
  const sb = sandbox();
  const snapshot = need(shared.snapshot, 'the snapshot');
  const keys = need(shared.keys, 'the keys');
  // the operator removes the data the first restore kept, once the restored cluster is trusted
  // (and the guard below must see only this run's kept copy)
  await Promise.all(hostNames(sb).map((h) => sb.hostExec(h, 'rm -rf /var/lib/etcd/.pre-restore-*')));
  const before = await waitHealthy(sb, 'a healthy cluster');
  const marker = `marker-${randomBytes(4).toString('hex')}`;
  await putKey(sb, 'node1', 'kubeadm-e2e-marker', marker);
  // node2's etcd refuses to start while its old data is set aside, i.e. only on restored data:
  // its manifest starts etcd through a guard (a change of the manifest restarts the pod)
  await sb.hostExec(
    'node2',
    `set -e
cp ${MANIFESTS}/etcd.yaml /root/etcd.yaml.before-guard
python3 - <<'EOF'
import yaml
p = '${MANIFESTS}/etcd.yaml'
pod = yaml.safe_load(open(p))
c = pod['spec']['containers'][0]
guard = 'for d in /var/lib/etcd/.pre-restore-*; do if [ -e "$d" ]; then echo "guard: $d exists" >&2; exit 1; fi; done; exec "$@"'
c['command'] = ['/bin/sh', '-c', guard, 'sh'] + c['command']
open(p + '.tmp', 'w').write(yaml.safe_dump(pod))
EOF
mv ${MANIFESTS}/etcd.yaml.tmp ${MANIFESTS}/etcd.yaml`,
  );
  try {
    await waitHealthy(sb, 'the cluster healthy with the guard on node2', 120_000);
    const dataBefore = Object.fromEntries(await Promise.all(hostNames(sb).map(async (h) => [h, (await sb.hostExec(h, 'stat -c %i /var/lib/etcd/member /var/lib/etcd/member/snap/db')).stdout] as const)));

    const r = await cli.apply(RESTORE, { inventory: sb.inventoryYaml, vars: { snapshot, stop_writers: true, healthy_timeout: 40 }, timeoutMs: 600_000 });
    t.is(r.code, 1, describeRun(r));
    t.is(r.end?.status, 'rolled_back', describeRun(r));
    const runId = need(r.start?.runId, 'the run id');
    t.deepEqual(taskEnds(r).filter((e) => e.status === 'failed').map((e) => [e.host, e.task]), [['node2', 'Start etcd on every member']], describeRun(r));
    for (const h of hostNames(sb)) t.is(r.end!.recap[h]!.rollback_failed, 0, `${h}: ${JSON.stringify(r.end!.recap[h])}`);

    const after = await waitHealthy(sb, 'the original cluster back');
    t.is(after.clusterId, before.clusterId, 'the original cluster, not the restored one');
    await everyKeyOnEveryMember(t, sb, keys);
    for (const h of hostNames(sb)) {
      t.is(await getKey(sb, h, 'kubeadm-e2e-marker', { serializable: true }), marker, `the marker written after the backup is on ${h}`);
      t.is((await sb.hostExec(h, 'stat -c %i /var/lib/etcd/member /var/lib/etcd/member/snap/db')).stdout, dataBefore[h], `${h} runs on its original files (same inodes)`);
      const l = await layout(sb, h);
      t.is(l.manifests, 'etcd.yaml kube-apiserver.yaml', `${h}: every manifest back`);
      t.is(l.parked, '', `${h}: nothing left parked`);
      t.true(l.data.split(' ').includes(`.failed-restore-${runId}`), `${h}: the restored data kept beside the original: ${l.data}`);
      t.deepEqual(await runningPods(sb, h), ['etcd', 'kube-apiserver'], `both pods run again on ${h}`);
    }
  } finally {
    await sb.hostExec('node2', `mv /root/etcd.yaml.before-guard ${MANIFESTS}/etcd.yaml`);
    await waitHealthy(sb, "the cluster healthy with node2's manifest as kubeadm wrote it", 120_000);
  }
});

test.serial('Ctrl-C during the restore rolls every member back', async (t) => {
  t.timeout(SLOW_MS);
  const sb = sandbox();
  const snapshot = need(shared.snapshot, 'the snapshot');
  const keys = need(shared.keys, 'the keys');
  const before = await waitHealthy(sb, 'a healthy cluster');
  const marker = `ctrl-c-${randomBytes(4).toString('hex')}`;
  await putKey(sb, 'node1', 'kubeadm-e2e-ctrl-c', marker);

  const args = ['apply', resolve(repoRoot, RESTORE), '-i', sb.inventoryYaml, '-o', 'json', '--yes', '--runs-dir', cli.runsDir, '--locks-dir', cli.locksDir, '-e', JSON.stringify({ snapshot, stop_writers: true })];
  const child = spawn(process.execPath, [...cliCommand(), ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let sent = false;
  let seen = '';
  child.stdout.on('data', (d: Buffer) => {
    seen += d.toString();
    // interrupted once the data dirs were set aside and the restore started: the worst moment
    if (!sent && /"type":"task:start"[^\n]*"task":"Restore each member/.test(seen)) {
      sent = true;
      setTimeout(() => child.kill('SIGINT'), 200);
    }
  });
  const out = await childOutput(child, 600_000);
  const events: RunEvent[] = parseEvents(out.stdout);
  t.true(sent, 'the restore got as far as restoring');
  t.is(out.code, 130, out.stderr.slice(-2000));
  t.is(events.find((e): e is EventOf<'run:end'> => e.type === 'run:end')?.status, 'interrupted');

  const after = await waitHealthy(sb, 'the original cluster back after Ctrl-C');
  t.is(after.clusterId, before.clusterId, 'the original cluster');
  await everyKeyOnEveryMember(t, sb, keys);
  for (const h of hostNames(sb)) {
    t.is(await getKey(sb, h, 'kubeadm-e2e-ctrl-c', { serializable: true }), marker, `the latest key is on ${h}`);
    const l = await layout(sb, h);
    t.is(l.manifests, 'etcd.yaml kube-apiserver.yaml', `${h}: every manifest back`);
    t.is(l.parked, '', `${h}: nothing left parked`);
    t.true(l.data.split(' ').includes('member'), `${h}: data in place: ${l.data}`);
    t.deepEqual(await runningPods(sb, h), ['etcd', 'kube-apiserver'], `both pods run again on ${h}`);
  }
});
