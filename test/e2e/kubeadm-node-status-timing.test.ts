/**
 * k8s-node-status-timing.yaml on a 3-node kubeadm sandbox (every node a control-plane node
 * with a kubelet), run as the operator runs it: the built CLI over SSH, real files, real
 * processes read in /proc.
 *
 * STAND-INS (test/cluster/README.md): the kubelet and kube-controller-manager binaries cannot
 * be installed here.
 * - kube-controller-manager: test/cluster/kube-controller-manager-standin.py, run by the
 *   static-pod runner from /etc/kubernetes/manifests/kube-controller-manager.yaml (up.sh
 *   --controller-manager). Its process carries the manifest's flags in /proc/PID/cmdline and,
 *   like v1.31, refuses a bad duration or the removed --pod-eviction-timeout. It controls nothing.
 * - kubelet: the static-pod runner (test/cluster/static-pod-runner.py) runs as kubelet.service
 *   with kubeadm's flags; it reads /var/lib/kubelet/config.yaml once at start, as the kubelet
 *   does, and writes what it read to /run/static-pod-runner/kubelet-config.json, which this test
 *   reads to prove the restarted process took the new nodeStatusUpdateFrequency. Unlike a real
 *   kubelet, stopping it stops its pods (etcd among them), so the kubelets are restarted one at
 *   a time here (25% of 3 nodes).
 *
 * One sandbox serves every test, in order; each test starts from what the one before left.
 */
import test from 'ava';
import type { RunEvent } from '../../src/events/types.js';
import { allMembersHealthy } from '../helpers/etcd-data.js';
import { CliSession, describeRun, failedPreflightChecks, type CliResult } from '../helpers/runbook-cli.js';
import { type Sandbox, useSandbox } from '../helpers/sandbox.js';

const HOSTS = ['node1', 'node2', 'node3'];
const KCM = '/etc/kubernetes/manifests/kube-controller-manager.yaml';
const KUBELET_CONFIG = '/var/lib/kubelet/config.yaml';
const PLAYBOOK = 'playbooks/k8s-node-status-timing.yaml';

const sandbox = useSandbox(test, { name: 'nstiming', kubeadm: true, controllerManager: true, podBackoff: { initial: 1, max: 4 } });

const cli = new CliSession('nstiming-');
test.after(() => cli.remove());

function apply(sb: Sandbox, vars: Record<string, string | number>, args: string[] = []): Promise<CliResult> {
  return cli.apply(PLAYBOOK, { inventory: sb.inventoryYaml, vars, args, timeoutMs: 900_000 });
}

/** the newest process of a program on a host: its pid and --flags, from /proc */
async function proc(sb: Sandbox, host: string, program: string): Promise<{ pid: string; flags: Record<string, string> }> {
  const r = await sb.hostExec(
    host,
    `p=""; for q in $(pgrep -f ${program}); do tr '\\0' '\\n' < /proc/$q/cmdline 2>/dev/null | sed -n 2p | grep -q '/${program}$' && p=$q; done; echo "pid=$p"; if [ -n "$p" ]; then tr '\\0' '\\n' < /proc/$p/cmdline 2>/dev/null; fi; true`,
  );
  const flags: Record<string, string> = {};
  for (const m of r.stdout.matchAll(/^--([a-z0-9-]+)=(.*)$/gm)) flags[m[1]!] = m[2]!;
  return { pid: /^pid=(\d*)$/m.exec(r.stdout)?.[1] ?? '', flags };
}

/** what the kubelet stand-in read from its config file when it started */
async function kubeletRead(sb: Sandbox, host: string): Promise<{ pid: number; effective: Record<string, unknown> }> {
  return JSON.parse((await sb.hostExec(host, 'cat /run/static-pod-runner/kubelet-config.json')).stdout) as { pid: number; effective: Record<string, unknown> };
}

/** every file the runbook may touch, byte for byte, and the manifests dir's listing */
async function files(sb: Sandbox): Promise<string[]> {
  return Promise.all(HOSTS.map(async (h) => (await sb.hostExec(h, `cat ${KCM}; echo ---; cat ${KUBELET_CONFIG}; echo ---; ls -A /etc/kubernetes/manifests`)).stdout));
}

async function pids(sb: Sandbox): Promise<string[]> {
  return Promise.all(HOSTS.flatMap((h) => [proc(sb, h, 'kube-controller-manager'), proc(sb, h, 'kubelet')]).map(async (p) => (await p).pid));
}

const hostEnds = (r: CliResult, task: RegExp) =>
  r.events.filter((e): e is Extract<RunEvent, { type: 'host:end' }> => e.type === 'host:end' && e.phase === 'task' && task.test(e.task));

/** seed 001's cluster: a 10s grace period, with the operator's comment above it */
async function seed001(sb: Sandbox): Promise<void> {
  for (const h of HOSTS) {
    await sb.hostExec(h, `sed -i 's|^    - --use-service-account-credentials=true$|    # NotReady flapping: shortened by hand (seed 001)\\n    - --node-monitor-grace-period=10s\\n&|' ${KCM}`);
    // a comment the runbook must keep in the kubelet's file too
    await sb.hostExec(h, `sed -i 's|^nodeStatusUpdateFrequency: 0s$|nodeStatusUpdateFrequency: 0s # 0s: the default, 10s|' ${KUBELET_CONFIG}`);
  }
  for (const h of HOSTS) {
    const p = await waitFor(() => proc(sb, h, 'kube-controller-manager'), (x) => x.flags['node-monitor-grace-period'] === '10s');
    if (!p) throw new Error(`${h}: kube-controller-manager did not restart with the seed's manifest`);
  }
}

async function waitFor<T>(get: () => Promise<T>, ok: (v: T) => boolean, attempts = 60): Promise<T | undefined> {
  for (let i = 0; i < attempts; i++) {
    const v = await get();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return undefined;
}

test.serial('refusals in preflight, each with its reason, and --check: nothing changed, nothing restarted', async (t) => {
  const s = sandbox();
  await seed001(s);
  const before = await files(s);
  const running = await pids(s);

  // the invariant: 30s is less than 4 x 10s
  const ratio = await apply(s, { node_status_update_frequency: '10s', node_monitor_period: '5s', node_monitor_grace_period: '30s' });
  t.is(ratio.code, 3, describeRun(ratio));
  t.regex(failedPreflightChecks(ratio).map((e) => e.message).join('\n'), /must be at least 4 x the update frequency \(here at least 40s\)/);

  // a flag this version no longer has
  const eviction = await apply(s, { preset: 'medium', pod_eviction_timeout: '1m' });
  t.is(eviction.code, 3, describeRun(eviction));
  t.regex(failedPreflightChecks(eviction).map((e) => e.message).join('\n'), /--pod-eviction-timeout was removed in v1\.27.*default-unreachable-toleration-seconds/s);

  // seed 001's 10s grace period to "fast" (20s / 4s): no order keeps 4 x during the change
  const order = await apply(s, { preset: 'fast' });
  t.is(order.code, 3, describeRun(order));
  t.regex(failedPreflightChecks(order).map((e) => e.message).join('\n'), /no order keeps the grace period at least 4 x the update frequency during the change/);

  // not a duration
  const bad = await apply(s, { preset: 'medium', node_monitor_grace_period: '2 minutes' });
  t.is(bad.code, 3, describeRun(bad));
  t.regex(failedPreflightChecks(bad).map((e) => e.message).join('\n'), /write them as Go durations/);

  const check = await apply(s, { preset: 'medium' }, ['--check']);
  t.is(check.code, 0, describeRun(check));

  for (const r of [ratio, eviction, order, bad]) t.false(r.events.some((e) => e.type === 'task:start' && e.phase === 'task'));
  t.deepEqual(await files(s), before);
  t.deepEqual(await pids(s), running);
  t.is((await s.hostExec('node1', 'ls -A /etc/kubernetes/tmp 2>/dev/null | wc -l')).stdout.trim(), '0');
});

test.serial('seed 001 fixed with the medium preset: controllers one at a time first, then the kubelets; new values in the running processes', async (t) => {
  const s = sandbox();
  const before = await files(s);
  const kcmBefore = await Promise.all(HOSTS.map((h) => proc(s, h, 'kube-controller-manager')));
  const kubeletBefore = await Promise.all(HOSTS.map((h) => kubeletRead(s, h)));
  t.true(kubeletBefore.every((k) => k.effective.nodeStatusUpdateFrequency === '10s'), JSON.stringify(kubeletBefore.map((k) => k.effective.nodeStatusUpdateFrequency)));

  const r = await apply(s, { preset: 'medium' });
  t.is(r.code, 0, describeRun(r));
  const confirm = r.events.find((e) => e.type === 'confirm');
  t.regex(confirm?.type === 'confirm' ? confirm.message : '', /Order: kube-controller-manager first, then the kubelets/);
  t.regex(confirm?.type === 'confirm' ? confirm.message : '', /node2: \/etc\/kubernetes\/manifests\/kube-controller-manager\.yaml: grace 10s -> 2m, period 5s -> 5s/);

  // the order: each controller edited and seen running before the next; every kubelet after them
  const seq = r.events
    .filter((e): e is Extract<RunEvent, { type: 'host:end' }> => e.type === 'host:end' && e.phase === 'task' && e.status !== 'skipped')
    .filter((e) => /^(Write the new flags|Wait until the kubelet has restarted kube-controller-manager|Write nodeStatusUpdateFrequency|Restart the kubelet on)/.test(e.task))
    .map((e) => `${e.task.split(' ').slice(0, 3).join(' ')} ${e.host}`);
  t.deepEqual(seq, [
    'Write the new node1', 'Wait until the node1',
    'Write the new node2', 'Wait until the node2',
    'Write the new node3', 'Wait until the node3',
    'Write nodeStatusUpdateFrequency into node1', 'Restart the kubelet node1',
    'Write nodeStatusUpdateFrequency into node2', 'Restart the kubelet node2',
    'Write nodeStatusUpdateFrequency into node3', 'Restart the kubelet node3',
  ]);

  for (const [i, h] of HOSTS.entries()) {
    const [kcmText, kubeletText] = (await s.hostExec(h, `cat ${KCM}; echo ---; cat ${KUBELET_CONFIG}`)).stdout.split('---\n') as [string, string];
    const [oldKcm, oldKubelet] = before[i]!.split('---\n') as [string, string];
    // only the values changed: the operator's comments and every other line are kept
    t.is(
      kcmText,
      oldKcm
        .replace('--node-monitor-grace-period=10s', '--node-monitor-grace-period=2m')
        .replace('    - --use-service-account-credentials=true\n', '    - --use-service-account-credentials=true\n    - --node-monitor-period=5s\n'),
      h,
    );
    t.regex(kcmText, /# NotReady flapping: shortened by hand \(seed 001\)/);
    t.is(kubeletText, oldKubelet.replace('nodeStatusUpdateFrequency: 0s #', 'nodeStatusUpdateFrequency: 20s #'), h);
    // the running processes: kube-controller-manager's command line, what the kubelet read at start
    const now = await proc(s, h, 'kube-controller-manager');
    t.like(now.flags, { 'node-monitor-grace-period': '2m', 'node-monitor-period': '5s' }, h);
    t.not(now.pid, kcmBefore[i]!.pid, `${h}: a new kube-controller-manager`);
    t.false('pod-eviction-timeout' in now.flags, `${h}: v1.31 has no --pod-eviction-timeout`);
    const read = await kubeletRead(s, h);
    t.is(read.effective.nodeStatusUpdateFrequency, '20s', h);
    t.not(read.pid, kubeletBefore[i]!.pid, `${h}: the kubelet was restarted and read the file`);
    // backups: the manifest's outside the manifests dir, the kubelet's beside its file
    t.is((await s.hostExec(h, 'ls -A /etc/kubernetes/manifests')).stdout, 'etcd.yaml\nkube-apiserver.yaml\nkube-controller-manager.yaml\n', h);
    t.regex((await s.hostExec(h, 'ls /etc/kubernetes/tmp')).stdout, /^kube-controller-manager\.yaml\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$/m, h);
    t.regex((await s.hostExec(h, 'ls /var/lib/kubelet')).stdout, /^config\.yaml\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$/m, h);
  }
  await allMembersHealthy(s);
});

test.serial('medium to fast goes kubelets first; a controller that will not run the new flags rolls every file back', async (t) => {
  const s = sandbox();
  const before = await files(s);
  const kubeletBefore = await Promise.all(HOSTS.map((h) => kubeletRead(s, h)));
  // node3's kube-controller-manager exits at once with a 20s grace period, as a binary that
  // refuses a flag does: its wait runs out and the run fails after every kubelet was changed
  await s.hostExec(
    'node3',
    `mkdir -p /run/kcm-real && mv /usr/local/bin/kube-controller-manager /run/kcm-real/ && cat > /usr/local/bin/kube-controller-manager <<'EOF'
#!/bin/sh
for a in "$@"; do [ "$a" = --node-monitor-grace-period=20s ] && { echo "Error: refused by the test" >&2; exit 1; }; done
exec /usr/bin/python3 /run/kcm-real/kube-controller-manager "$@"
EOF
chmod 0755 /usr/local/bin/kube-controller-manager`,
  );
  try {
    const r = await apply(s, { preset: 'fast', restart_timeout: 20 });
    t.is(r.code, 1, describeRun(r));
    const confirm = r.events.find((e) => e.type === 'confirm');
    t.regex(confirm?.type === 'confirm' ? confirm.message : '', /Order: the kubelets first, then kube-controller-manager/);
    // every kubelet was changed before the first controller
    const kubeletEdits = hostEnds(r, /^Write nodeStatusUpdateFrequency/).filter((e) => e.status === 'changed');
    const cmEdits = hostEnds(r, /^Write the new flags/).filter((e) => e.status === 'changed');
    t.is(kubeletEdits.length, 3);
    t.true(cmEdits.length >= 1);
    t.true(r.events.indexOf(kubeletEdits.at(-1)!) < r.events.indexOf(cmEdits[0]!));
    const end = r.events.find((e) => e.type === 'rollback:end');
    t.true(end?.type === 'rollback:end' && end.ok, JSON.stringify(end));

    // every file as it was, byte for byte
    t.deepEqual(await files(s), before);
    for (const [i, h] of HOSTS.entries()) {
      const kcm = await waitFor(() => proc(s, h, 'kube-controller-manager'), (x) => x.flags['node-monitor-grace-period'] === '2m');
      t.truthy(kcm, `${h}: kube-controller-manager back on 2m`);
      const read = await kubeletRead(s, h);
      t.is(read.effective.nodeStatusUpdateFrequency, '20s', h);
      t.not(read.pid, kubeletBefore[i]!.pid, `${h}: the kubelet was restarted with its old file`);
    }
  } finally {
    await s.hostExec('node3', 'mv -f /run/kcm-real/kube-controller-manager /usr/local/bin/kube-controller-manager');
  }
  await allMembersHealthy(s);
});
