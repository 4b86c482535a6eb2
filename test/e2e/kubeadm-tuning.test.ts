/**
 * etcd-heartbeat-tuning.yaml and etcd-maintenance.yaml (its quota and auto-compaction) on a
 * kubeadm cluster with etcd 3.5: each member a static pod from /etc/kubernetes/manifests/etcd.yaml,
 * run by the sandbox's static-pod runner, the kubelet stand-in (test/cluster/README.md), which
 * restarts a pod when its manifest changes and stops it when the manifest no longer parses, as
 * kubelet does. The same playbook files as on systemd; the inventory says static_pod. What each
 * member runs with is read from its process's /proc command line on the host.
 *
 * One sandbox (16 MiB quota, so NOSPACE comes quickly) serves every test, in order.
 */
import test from 'ava';
import type { RunEvent } from '../../src/events/types.js';
import { allMembersHealthy, leaderHost } from '../helpers/etcd-data.js';
import { fillUntilNoSpace, keysUnder, putKeys } from '../helpers/etcd-writer.js';
import { CliSession, describeRun, type CliResult } from '../helpers/runbook-cli.js';
import { type Sandbox, useSandbox } from '../helpers/sandbox.js';

const HOSTS = ['node1', 'node2', 'node3'];
const MANIFEST = '/etc/kubernetes/manifests/etcd.yaml';
const QUOTA = 16 * 1024 * 1024;

const sandbox = useSandbox(test, { name: 'kubetune', kubeadm: true, etcdVersion: '3.5', quota: QUOTA });

const cli = new CliSession('kubetune-');
test.after(() => cli.remove());

function apply(sb: Sandbox, playbook: string, extra: string[]): Promise<CliResult> {
  return cli.apply(playbook, { inventory: sb.inventoryYaml, args: extra, timeoutMs: 900_000 });
}

/** the etcd process of a host: its pid and its --flags, from /proc */
async function running(sb: Sandbox, host: string): Promise<{ pid: string; flags: Record<string, string> }> {
  const r = await sb.hostExec(host, 'p=$(pgrep -x etcd); echo "pid=$p"; tr "\\0" "\\n" < /proc/$p/cmdline');
  const flags: Record<string, string> = {};
  for (const m of r.stdout.matchAll(/^--([a-z0-9-]+)=(.*)$/gm)) flags[m[1]!] = m[2]!;
  return { pid: /^pid=(\d+)$/m.exec(r.stdout)?.[1] ?? '', flags };
}

async function manifestSums(sb: Sandbox): Promise<string[]> {
  return Promise.all(HOSTS.map(async (h) => (await sb.hostExec(h, `sha256sum ${MANIFEST}; ls -A /etc/kubernetes/manifests`)).stdout));
}

const hostEnds = (r: CliResult, task: RegExp) =>
  r.events.filter((e): e is Extract<RunEvent, { type: 'host:end' }> => e.type === 'host:end' && e.phase === 'task' && task.test(e.task));

test.serial('a manifest that is not valid YAML stops heartbeat tuning in preflight, naming file:line, nothing changed', async (t) => {
  const s = sandbox();
  const good = (await s.hostExec('node2', `cat ${MANIFEST}`)).stdout;
  const others = await Promise.all(['node1', 'node3'].map(async (h) => (await running(s, h)).pid));
  const sums = await manifestSums(s);
  // a stray edit: an unclosed flow list after the --name item (line 29 below it)
  const broken = good.replace(/^( {4}- --name=node2)$/m, '$1\n   oops: [');
  const line = broken.split('\n').findIndex((l) => l.startsWith('   oops')) + 1;
  await s.hostExec('node2', `cat > ${MANIFEST}`, { input: broken });
  try {
    const r = await apply(s, 'playbooks/etcd-heartbeat-tuning.yaml', ['-e', 'heartbeat_interval=300', '-e', 'election_timeout=3000']);
    t.is(r.code, 3, describeRun(r));
    const refusals = r.events.filter((e): e is Extract<RunEvent, { type: 'preflight:check' }> => e.type === 'preflight:check' && !e.ok);
    const named = refusals.find((e) => (e.message ?? '').includes(`${MANIFEST}:${line}:`));
    t.truthy(named, JSON.stringify(refusals.map((e) => e.message)));
    t.regex(named!.message ?? '', /not valid YAML.*nothing was changed/);
    t.false(r.events.some((e) => e.type === 'task:start' && e.phase === 'task'));
    // the broken manifest is as the operator left it; no file was added anywhere kubelet reads
    t.is((await s.hostExec('node2', `cat ${MANIFEST}`)).stdout, broken);
    t.is((await s.hostExec('node2', 'ls -A /etc/kubernetes/manifests')).stdout, 'etcd.yaml\nkube-apiserver.yaml\n');
    t.is((await s.hostExec('node2', 'ls -A /etc/kubernetes/tmp 2>/dev/null | wc -l')).stdout.trim(), '0');
    t.deepEqual(await Promise.all(['node1', 'node3'].map(async (h) => (await running(s, h)).pid)), others);
  } finally {
    await s.hostExec('node2', `cat > ${MANIFEST}`, { input: good });
    await allMembersHealthy(s);
  }
  t.deepEqual(await manifestSums(s), sums);
});

test.serial('heartbeat tuning: every static pod restarted by its manifest edit, leader last, new values in the running processes', async (t) => {
  const s = sandbox();
  const before = await Promise.all(HOSTS.map((h) => running(s, h)));
  t.true(before.every((b) => b.pid !== '' && b.flags['heartbeat-interval'] === undefined), JSON.stringify(before));
  const leader = await leaderHost(s);
  const manifests = await Promise.all(HOSTS.map(async (h) => (await s.hostExec(h, `cat ${MANIFEST}`)).stdout));

  const r = await apply(s, 'playbooks/etcd-heartbeat-tuning.yaml', ['-e', 'heartbeat_interval=200', '-e', 'election_timeout=2000']);
  t.is(r.code, 0, describeRun(r));

  for (const [i, h] of HOSTS.entries()) {
    const now = await running(s, h);
    t.like(now.flags, { 'heartbeat-interval': '200', 'election-timeout': '2000' }, h);
    t.not(now.pid, before[i]!.pid, `${h} runs a new process`);
    // the manifest: the two flags added after the last item, every other byte as it was
    const text = (await s.hostExec(h, `cat ${MANIFEST}`)).stdout;
    const last = /^ {4}- --trusted-ca-file=.*$/m.exec(manifests[i]!)![0];
    t.is(text, manifests[i]!.replace(last, `${last}\n    - --heartbeat-interval=200\n    - --election-timeout=2000`), h);
    // the backup is kept outside the manifests dir, which holds only the pods
    t.is((await s.hostExec(h, 'ls -A /etc/kubernetes/manifests')).stdout, 'etcd.yaml\nkube-apiserver.yaml\n', h);
    const backups = (await s.hostExec(h, 'ls /etc/kubernetes/tmp')).stdout;
    t.regex(backups, /^etcd\.yaml\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$/m, h);
  }
  // one at a time, followers first: the pod restarts came from the manifest edits
  const edits = hostEnds(r, /^Write the new values into the etcd configuration/).filter((e) => e.status === 'changed').map((e) => e.host);
  t.is(edits.length, 3, JSON.stringify(edits));
  t.is(edits.at(-1), leader, `edited ${edits.join(', ')}; ${leader} led`);
  t.deepEqual(hostEnds(r, /^Restart etcd on /).filter((e) => e.status !== 'skipped'), [], 'no systemctl on a static pod');
  // the confirmation said where the values go, and that the kubelet restarts the pods
  const confirm = r.events.find((e) => e.type === 'confirm');
  t.regex(confirm?.type === 'confirm' ? confirm.message : '', /\/etc\/kubernetes\/manifests\/etcd\.yaml \(static_pod: the kubelet restarts the pod on the edit\)/);
  await allMembersHealthy(s);
});

test.serial('maintenance: NOSPACE at a 16 MiB quota recovered, then a 32 MiB quota and auto-compaction through the manifests', async (t) => {
  const s = sandbox();
  const kept = await putKeys(s.endpoints[0]!, s.tlsFiles, '/kmt/keep/', 50);
  const fill = await fillUntilNoSpace(s.endpoints[0]!, s.tlsFiles, '/kmt/fill/');
  t.log(`NOSPACE after ${fill.writes} writes: ${fill.error}`);
  t.regex((await s.etcdctl('node2', ['alarm', 'list'])).stdout, /alarm:NOSPACE/);
  const before = await Promise.all(HOSTS.map((h) => running(s, h)));
  t.true(before.every((b) => b.flags['quota-backend-bytes'] === String(QUOTA)), JSON.stringify(before.map((b) => b.flags['quota-backend-bytes'])));

  const r = await apply(s, 'playbooks/etcd-maintenance.yaml', ['-e', 'quota_backend_bytes=32M', '-e', 'auto_compaction_retention=1']);
  t.is(r.code, 0, describeRun(r));

  t.is((await s.etcdctl('node1', ['alarm', 'list'])).stdout.trim(), '');
  const put = await s.etcdctl('node3', ['put', '/kmt/after', 'ok']);
  t.is(put.code, 0, put.stderr);
  t.deepEqual((await keysUnder(s.endpoints[1]!, s.tlsFiles, '/kmt/keep/')).sort(), kept.sort());
  for (const [i, h] of HOSTS.entries()) {
    const now = await running(s, h);
    t.like(now.flags, { 'quota-backend-bytes': '33554432', 'auto-compaction-retention': '1' }, h);
    t.not(now.pid, before[i]!.pid, `${h} runs a new process`);
    t.regex((await s.hostExec(h, `cat ${MANIFEST}`)).stdout, /^ {4}- --quota-backend-bytes=33554432$/m, h);
  }
  const edits = hostEnds(r, /^Write \{.*\} into the etcd configuration/).filter((e) => e.status === 'changed');
  t.is(edits.length, 3, JSON.stringify(edits.map((e) => e.host)));
  await allMembersHealthy(s);
});
