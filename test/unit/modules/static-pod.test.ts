import test from 'ava';
import { staticPod } from '../../../src/modules/static-pod.js';
import { etcdProcess } from '../../../src/etcd/modules/etcd-process.js';
import { parkedPathOf, podCommands } from '../../../src/modules/lib/static-pod.js';
import { FakeTransport } from '../../helpers/fake-transport.js';
import { moduleContext, parseArgs } from './support/context.js';

const MANIFEST = '/etc/kubernetes/manifests/etcd.yaml';
const PARKED = '/etc/kubernetes/manifests-parked/etcd.yaml';
const ETCD_ARGV = ['etcd', '--name=node1', '--data-dir=/var/lib/etcd'];
const POD = `apiVersion: v1
kind: Pod
metadata: {name: etcd, namespace: kube-system}
spec:
  containers:
  - name: etcd
    command:
${ETCD_ARGV.map((w) => `    - ${w}`).join('\n')}
`;

const b64 = (argv: string[]) => Buffer.from(argv.map((w) => `${w}\0`).join('')).toString('base64');

/**
 * A kubeadm host as the modules see it: which of the two manifest places hold a file, and
 * whether etcd runs. `lingers` polls pass after the manifest leaves before the process is gone
 * (kubelet's delay); Infinity: it never goes.
 */
class PodHost {
  manifest = true;
  parked = false;
  running = true;
  lingers = 1;
  startsAfter = 1;
  /** a stranger holding the data dir (an etcd started by hand) */
  stranger = false;
  readonly t = new FakeTransport({ host: 'node1' });

  constructor() {
    this.t
      .on(/^for f in \//, () => ({ stdout: `${this.manifest ? 'yes' : 'no'}\n${this.parked ? 'yes' : 'no'}\n` }))
      .on(/^if \[ -e .* \] \|\| \[ -e .* \]; then echo static_pod/, () => ({ stdout: this.manifest || this.parked ? 'static_pod\n' : 'systemd\n' }))
      .on(/^cat -- /, () => ({ stdout: POD }))
      .on(/^for f in \$\(grep -l -a -F/, () => {
        this.tick();
        return { stdout: this.running ? `4242 ${b64(ETCD_ARGV)}\n777 ${b64(['sh', '-c', 'grep etcd'])}\n` : '' };
      })
      .on(/^\[ -e '?\/var\/lib\/etcd'? \] \|\| exit 0/, () => {
        const out = [this.running ? `4242 ${b64(ETCD_ARGV)}` : '', this.stranger ? `5151 ${b64(['/usr/local/bin/etcd', '--data-dir', '/var/lib/etcd'])}` : ''];
        return { stdout: out.filter(Boolean).join('\n') };
      })
      .on(/^set -e\nmkdir -p -m 0700 -- /, () => {
        this.manifest = false;
        this.parked = true;
        return {};
      })
      .on(/^mv -n -- .*manifests-parked.* && \[ -e /, () => {
        this.parked = false;
        this.manifest = true;
        return {};
      })
      .on(/^\[ ! -e .* \] && mv -n -- /, () => {
        this.parked = false;
        this.manifest = true;
        return {};
      })
      .on(/^systemctl is-active/, () => ({ exitCode: 3, stdout: 'unknown\n' }));
  }

  /** kubelet: a pod without its manifest dies after a while; one with it comes back */
  private tick(): void {
    if (!this.manifest && this.running && this.lingers-- <= 0) this.running = false;
    if (this.manifest && !this.running && this.startsAfter-- <= 0) this.running = true;
  }
}

const stopArgs = (extra: Record<string, unknown> = {}) => parseArgs(staticPod.schema, { manifest: MANIFEST, state: 'stopped', data_dir: '/var/lib/etcd', timeout: 30, ...extra });

test('podCommands: each container command + args; not a pod is an error naming the file', (t) => {
  t.deepEqual(podCommands(POD, 'etcd.yaml'), [ETCD_ARGV]);
  t.deepEqual(podCommands('spec:\n  containers:\n  - name: a\n    command: [kube-apiserver]\n    args: [--v=2]\n', 'x'), [['kube-apiserver', '--v=2']]);
  t.throws(() => podCommands('kind: Pod\n', 'node1:/m.yaml'), { message: /node1:\/m\.yaml has no spec\.containers/ });
  t.throws(() => podCommands('a: [', 'node1:/m.yaml'), { message: /node1:\/m\.yaml is not valid YAML/ });
});

test('parked path: a sibling of the manifests dir; inside it is refused by the schema', (t) => {
  t.is(parkedPathOf(MANIFEST), PARKED);
  t.is(parkedPathOf(MANIFEST, '/var/lib/etcd-manifests'), '/var/lib/etcd-manifests/etcd.yaml');
  t.false(staticPod.schema.safeParse({ manifest: MANIFEST, state: 'stopped', parked_dir: '/etc/kubernetes/manifests/old' }).success);
  t.false(staticPod.schema.safeParse({ manifest: MANIFEST, state: 'stopped', parked_dir: '/etc/kubernetes/manifests' }).success);
});

test('stop: parks the manifest, waits until the process is gone, exact commands', async (t) => {
  const h = new PodHost();
  const r = await staticPod.run(moduleContext(h.t), stopArgs());
  t.is(r.failed, undefined, r.msg);
  t.true(r.changed);
  t.false(h.manifest);
  t.true(h.parked);
  t.false(h.running);
  const cmds = h.t.commands;
  t.is(cmds[0], "for f in /etc/kubernetes/manifests/etcd.yaml /etc/kubernetes/manifests-parked/etcd.yaml; do if [ -e \"$f\" ]; then echo yes; else echo no; fi; done");
  t.is(cmds[1], 'cat -- /etc/kubernetes/manifests/etcd.yaml');
  t.is(cmds[2], 'set -e\nmkdir -p -m 0700 -- /etc/kubernetes/manifests-parked\nmv -n -- /etc/kubernetes/manifests/etcd.yaml /etc/kubernetes/manifests-parked/etcd.yaml\n[ ! -e /etc/kubernetes/manifests/etcd.yaml ]');
  t.regex(cmds[3]!, /^for f in \$\(grep -l -a -F -e etcd \/proc\/\[0-9\]\*\/cmdline/);
  // polled until the process left, the data dir checked each time
  t.true(cmds.filter((c) => c.startsWith('[ -e /var/lib/etcd ] || exit 0')).length >= 2);
});

test('stop: a process that does not go puts the manifest back and fails', async (t) => {
  const h = new PodHost();
  h.lingers = Infinity;
  const r = await staticPod.run(moduleContext(h.t), stopArgs({ timeout: 1 }));
  t.true(r.failed);
  t.false(r.changed);
  t.regex(r.msg!, /did not stop within 1s.*4242 \(etcd --name=node1 --data-dir=\/var\/lib\/etcd\).*was put back/);
  t.true(h.manifest);
  t.false(h.parked);
  t.true(h.t.commands.includes('[ ! -e /etc/kubernetes/manifests/etcd.yaml ] && mv -n -- /etc/kubernetes/manifests-parked/etcd.yaml /etc/kubernetes/manifests/etcd.yaml'));
});

test('stop: Ctrl-C while waiting puts the manifest back', async (t) => {
  const h = new PodHost();
  h.lingers = Infinity;
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error('interrupted')), 300);
  await t.throwsAsync(staticPod.run(moduleContext(h.t, { signal: ac.signal }), stopArgs()), { message: /interrupted/ });
  t.true(h.manifest);
  t.false(h.parked);
});

test('stop: already parked but the process still runs is a failure, not a no-op', async (t) => {
  const h = new PodHost();
  h.manifest = false;
  h.parked = true;
  h.lingers = Infinity;
  const r = await staticPod.run(moduleContext(h.t), stopArgs({ timeout: 1 }));
  t.true(r.failed);
  t.regex(r.msg!, /parked at .*yet 4242 .* still runs/);
});

test('stop: already parked and gone is unchanged', async (t) => {
  const h = new PodHost();
  h.manifest = false;
  h.parked = true;
  h.running = false;
  const r = await staticPod.run(moduleContext(h.t), stopArgs());
  t.is(r.failed, undefined);
  t.false(r.changed);
});

test('stop: both the manifest and a parked copy: refused, nothing moved', async (t) => {
  const h = new PodHost();
  h.parked = true;
  const r = await staticPod.run(moduleContext(h.t), stopArgs());
  t.true(r.failed);
  t.regex(r.msg!, /both .* exist/);
  t.is(h.t.commands.length, 1);
});

test('stop in check mode: nothing moved', async (t) => {
  const h = new PodHost();
  const r = await staticPod.run(moduleContext(h.t, { check: true }), stopArgs());
  t.true(r.changed);
  t.true(h.manifest);
  t.false(h.t.commands.some((c) => c.includes('mkdir')));
});

test('start: the manifest goes back and the process is waited for', async (t) => {
  const h = new PodHost();
  h.manifest = false;
  h.parked = true;
  h.running = false;
  const r = await staticPod.run(moduleContext(h.t), parseArgs(staticPod.schema, { manifest: MANIFEST, state: 'started', timeout: 30 }));
  t.is(r.failed, undefined, r.msg);
  t.true(r.changed);
  t.true(h.manifest);
  t.true(h.running);
  t.true(h.t.commands.includes('mv -n -- /etc/kubernetes/manifests-parked/etcd.yaml /etc/kubernetes/manifests/etcd.yaml && [ -e /etc/kubernetes/manifests/etcd.yaml ] && [ ! -e /etc/kubernetes/manifests-parked/etcd.yaml ]'));
});

test('start: a manifest already in place is left alone', async (t) => {
  const h = new PodHost();
  const r = await staticPod.run(moduleContext(h.t), parseArgs(staticPod.schema, { manifest: MANIFEST, state: 'started' }));
  t.false(r.changed);
  t.is(h.t.commands.length, 1);
});

test('start: no process in time fails, the manifest stays in place', async (t) => {
  const h = new PodHost();
  h.manifest = false;
  h.parked = true;
  h.running = false;
  h.startsAfter = Infinity;
  const r = await staticPod.run(moduleContext(h.t), parseArgs(staticPod.schema, { manifest: MANIFEST, state: 'started', timeout: 1 }));
  t.true(r.failed);
  t.true(r.changed);
  t.regex(r.msg!, /no etcd process started within 1s/);
});

const kubeadmVars = { etcd_name: 'node1', ansible_host: '10.0.0.1', etcd_data_dir: '/var/lib/etcd' };

test('etcd_process: detects the static pod from its manifest and parks it', async (t) => {
  const h = new PodHost();
  const r = await etcdProcess.run(moduleContext(h.t, { vars: kubeadmVars }), parseArgs(etcdProcess.schema, { state: 'stopped' }));
  t.is(r.failed, undefined, r.msg);
  t.true(r.changed);
  t.is(r.data?.style, 'static_pod');
  t.is(r.data?.style_from, 'detected: /etc/kubernetes/manifests/etcd.yaml is there');
  t.true(h.parked);
});

test('etcd_process on systemd: a unit that says unknown while etcd holds the data dir is a failure', async (t) => {
  const h = new PodHost();
  h.manifest = false;
  h.stranger = true;
  h.running = false;
  const r = await etcdProcess.run(
    moduleContext(h.t, { vars: { ...kubeadmVars, etcd_config_style: 'env', etcd_data_dir: '/var/lib/etcd' } }),
    parseArgs(etcdProcess.schema, { state: 'stopped' }),
  );
  t.true(r.failed);
  t.false(r.changed);
  t.regex(r.msg!, /etcd\.service is unknown, yet 5151 \(\/usr\/local\/bin\/etcd --data-dir \/var\/lib\/etcd\) still holds \/var\/lib\/etcd/);
  t.false(h.t.commands.some((c) => c.startsWith('systemctl stop')));
});

test('etcd_process on systemd: stops an active unit and proves the data dir is free', async (t) => {
  const t2 = new FakeTransport({ host: 'node1' });
  let active = true;
  t2.on(/^systemctl is-active 'etcd\.service'|^systemctl is-active etcd\.service/, () => (active ? { stdout: 'active\n' } : { exitCode: 3, stdout: 'inactive\n' }))
    .on('systemctl stop etcd.service', () => {
      active = false;
      return {};
    })
    .on(/^\[ -e /, () => ({ stdout: active ? `1 ${b64(['etcd'])}\n` : '' }));
  const r = await etcdProcess.run(moduleContext(t2, { vars: { ...kubeadmVars, etcd_config_style: 'env' } }), parseArgs(etcdProcess.schema, { state: 'stopped' }));
  t.is(r.failed, undefined, r.msg);
  t.true(r.changed);
  t.deepEqual(t2.commands.slice(0, 2), ['systemctl is-active etcd.service', 'systemctl stop etcd.service']);
  t.regex(t2.commands[2]!, /^\[ -e \/var\/lib\/etcd \] \|\| exit 0\nd=\$\(readlink -f -- \/var\/lib\/etcd\)/);
});
