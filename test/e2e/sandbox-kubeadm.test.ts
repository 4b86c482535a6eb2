/**
 * The kubeadm sandbox (up.sh --kubeadm) and the etcd version choice (--etcd): the promises of
 * test/cluster/README.md, checked on real processes, files and certificates.
 *
 * etcd runs here as a static pod of the static-pod runner, the sandbox's STAND-IN for kubelet
 * (test/cluster/static-pod-runner.py), next to a STAND-IN kube-apiserver pod that writes
 * /registry keys (test/cluster/kube-apiserver-standin.py). These tests pin down what of
 * kubelet's behaviour the stand-in reproduces, so runbooks proven here see what they would
 * see on a kubeadm node.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import test from 'ava';
import { parse as parseYaml } from 'yaml';
import { type Sandbox, type SandboxOptions, sandboxName, shellQuote, startSandbox, useSandbox } from '../helpers/sandbox.js';

const downScript = new URL('../cluster/down.sh', import.meta.url).pathname;

// Two small sandboxes for the version/layout combinations, brought up while the shared kubeadm
// sandbox is tested (their tests run last): most of a bring-up is waiting, not computing.
const extraOptions: Record<'systemd35' | 'kubeadm34', SandboxOptions> = {
  systemd35: { name: 'e2e-sd35', hosts: 1, etcdVersion: '3.5' },
  kubeadm34: { name: 'e2e-kubeadm34', hosts: 1, kubeadm: true, etcdVersion: '3.4' },
};
const extras = new Map<keyof typeof extraOptions, Promise<Sandbox>>();
const downExtras = (): void => {
  for (const o of Object.values(extraOptions)) spawnSync('bash', [downScript, '--name', sandboxName(o.name), '--quiet'], { stdio: 'ignore', timeout: 60_000 });
};
test.before(() => {
  process.once('exit', downExtras);
  for (const [k, o] of Object.entries(extraOptions) as Array<[keyof typeof extraOptions, SandboxOptions]>) {
    const p = startSandbox(o);
    p.catch(() => undefined); // reported by the test that awaits it
    extras.set(k, p);
  }
});
test.after.always(async () => {
  await Promise.allSettled([...extras.values()].map(async (p) => (await p).down()));
  downExtras();
  process.removeListener('exit', downExtras);
});

// A short crash-loop back-off (1 s doubling up to 4 s, instead of kubelet's 10 s up to 300 s)
// keeps the back-off test short; everything else is kubelet's default.
const kubeadm = useSandbox(test, { name: 'e2e-kubeadm', kubeadm: true, podBackoff: { initial: 1, max: 4 } });

const MANIFESTS = '/etc/kubernetes/manifests';
const ETCD_MANIFEST = `${MANIFESTS}/etcd.yaml`;

async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** Live processes with this exact command name (comm) in a host. */
async function pids(sb: Sandbox, host: string, comm: string): Promise<number[]> {
  const r = await sb.hostExec(host, `ps -eo pid=,stat=,comm= | awk -v c=${shellQuote(comm)} '$3 == c && $2 !~ /^Z/ {print $1}'`);
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

async function onePid(sb: Sandbox, host: string, comm: string): Promise<number> {
  return eventually(`exactly one ${comm} process on ${host}`, async () => {
    const p = await pids(sb, host, comm);
    return p.length === 1 ? p[0] : undefined;
  });
}

async function cmdline(sb: Sandbox, host: string, pid: number): Promise<string[]> {
  const r = await sb.hostExec(host, `tr '\\0' '\\n' < /proc/${pid}/cmdline`);
  return r.stdout.split('\n').filter(Boolean);
}

/** Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat). */
async function startTicks(sb: Sandbox, host: string, pid: number): Promise<number> {
  const r = await sb.hostExec(host, `sed 's/.*) //' /proc/${pid}/stat | awk '{print $20}'`);
  return Number(r.stdout.trim());
}

async function healthyMembers(sb: Sandbox, host: string): Promise<number> {
  const r = await sb.etcdctl(host, ['endpoint', 'health', '--cluster']);
  return (r.stdout + r.stderr).split('\n').filter((l) => / is healthy:/.test(l)).length;
}

async function writerVersion(sb: Sandbox, reader: string, node: string): Promise<number> {
  const r = await sb.etcdctl(reader, ['get', `/registry/sandbox-writer/${node}`, '-w', 'json']);
  if (r.code !== 0) return -1;
  const kvs = (JSON.parse(r.stdout) as { kvs?: Array<{ version: string | number }> }).kvs;
  return kvs?.[0] ? Number(kvs[0].version) : 0;
}

test.serial('kubeadm + etcd 3.5: three healthy members named after their nodes, 3.5 binaries wherever etcd is looked up', async (t) => {
  const sb = kubeadm();
  t.true(sb.kubeadm);
  t.is(sb.etcdVersion, '3.5');
  t.regex(sb.cluster.etcdRelease ?? '', /^3\.5\.\d+$/);
  t.is(await healthyMembers(sb, 'node1'), 3);
  const members = await sb.etcdctl('node1', ['member', 'list']);
  t.deepEqual(members.stdout.trim().split('\n').map((l) => l.split(', ')[2]).sort(), ['node1', 'node2', 'node3']);
  for (const h of sb.hosts) {
    // Over ssh, as a runbook calls them.
    const v = await sb.ssh(h, 'etcd --version | head -n 1; /usr/bin/etcd --version | head -n 1; etcdctl version | head -n 1; /usr/bin/etcdctl version | head -n 1; etcdutl version | head -n 1');
    t.deepEqual(v.stdout.trim().split('\n'), [
      `etcd Version: ${sb.cluster.etcdRelease}`,
      `etcd Version: ${sb.cluster.etcdRelease}`,
      `etcdctl version: ${sb.cluster.etcdRelease}`,
      `etcdctl version: ${sb.cluster.etcdRelease}`,
      `etcdutl version: ${sb.cluster.etcdRelease}`,
    ]);
    // The running member too (its binary, not just what PATH finds now).
    const pid = await onePid(sb, h.inventoryName, 'etcd');
    const exe = await sb.hostExec(h, `/proc/${pid}/exe --version | head -n 1`);
    t.is(exe.stdout.trim(), `etcd Version: ${sb.cluster.etcdRelease}`);
  }
  // The controller's own etcd is untouched: still the system's package.
  const system = spawnSync('/usr/bin/etcd', ['--version'], { encoding: 'utf8' });
  t.regex(system.stdout, /^etcd Version: 3\.4\./);
});

test.serial("kubeadm's PKI: one etcd CA, server/peer/client certificates with kubeadm's names, SANs and usages", async (t) => {
  const sb = kubeadm();
  const pki = '/etc/kubernetes/pki';
  const certs = { server: `${pki}/etcd/server.crt`, peer: `${pki}/etcd/peer.crt`, healthcheck: `${pki}/etcd/healthcheck-client.crt`, apiserver: `${pki}/apiserver-etcd-client.crt` };
  const caFingerprints = new Set<string>();
  // One script per host, one section per question: few process starts on a busy machine.
  const script = [
    `openssl verify -CAfile ${pki}/etcd/ca.crt ${Object.values(certs).join(' ')}`,
    'echo ==',
    `openssl x509 -in ${pki}/etcd/ca.crt -noout -fingerprint -sha256 -subject -ext basicConstraints`,
    ...Object.values(certs).flatMap((f) => ['echo ==', `openssl x509 -in ${f} -noout -subject -ext subjectAltName,extendedKeyUsage,keyUsage`]),
    'echo ==',
    `stat -c '%a %n' ${pki}/etcd/*.key ${pki}/apiserver-etcd-client.key; head -n 1 ${pki}/etcd/server.key`,
  ].join('\n');
  for (const h of sb.hosts) {
    const [verify, ca, server, peer, healthcheck, apiserver, keys] = (await sb.hostExec(h, script)).stdout.split('==\n') as [string, string, string, string, string, string, string];
    t.is(verify.trim().split('\n').filter((l) => l.endsWith(': OK')).length, 4, verify);
    caFingerprints.add(/Fingerprint=\S+/.exec(ca)?.[0] ?? '');
    t.regex(ca, /subject=CN = etcd-ca/);
    t.regex(ca, /CA:TRUE/);
    for (const [kind, text] of [['server', server], ['peer', peer]] as const) {
      t.regex(text, new RegExp(`subject=CN = ${h.inventoryName}\\b`), `${kind} CN`);
      const sans = /DNS:[^\n]*/.exec(text)?.[0].trim().split(', ').sort();
      t.deepEqual(sans, [`DNS:${h.inventoryName}`, 'DNS:localhost', `IP Address:${h.ip}`, 'IP Address:0:0:0:0:0:0:0:1', 'IP Address:127.0.0.1'].sort(), `${kind} SANs`);
      t.regex(text, /TLS Web Server Authentication, TLS Web Client Authentication/, `${kind} usages`);
      t.regex(text, /Digital Signature, Key Encipherment/);
    }
    for (const [text, cn] of [[healthcheck, 'kube-etcd-healthcheck-client'], [apiserver, 'kube-apiserver-etcd-client']] as const) {
      t.regex(text, new RegExp(`subject=CN = ${cn}$`, 'm'));
      t.regex(text, /TLS Web Client Authentication/);
      t.notRegex(text, /Server Authentication/);
      t.notRegex(text, /Subject Alternative Name/);
    }
    t.true(keys.split('\n').filter((l) => l.endsWith('.key')).every((l) => l.startsWith('600 ')), keys);
    t.regex(keys, /-----BEGIN EC PRIVATE KEY-----/, "kubeadm's ECDSA-P256 key format");
  }
  t.is(caFingerprints.size, 1, 'one etcd CA for the whole cluster');

  // etcd accepts the client certificates and refuses a client without one.
  const withCert = await sb.hostExec('node1', `etcdctl --endpoints=https://127.0.0.1:2379 --cacert=${pki}/etcd/ca.crt --cert=${pki}/apiserver-etcd-client.crt --key=${pki}/apiserver-etcd-client.key put /pki-probe ok`, { allowFail: true });
  t.is(withCert.code, 0, withCert.stderr);
  const without = await sb.hostExec('node1', `etcdctl --endpoints=https://127.0.0.1:2379 --cacert=${pki}/etcd/ca.crt --dial-timeout=2s --command-timeout=3s get /pki-probe`, { allowFail: true });
  t.not(without.code, 0);
  await sb.etcdctl('node1', ['del', '/pki-probe']);
});

test.serial("the etcd manifest is kubeadm's, and the running process carries exactly its command", async (t) => {
  const sb = kubeadm();
  for (const h of sb.hosts) {
    const text = (await sb.hostExec(h, `cat ${ETCD_MANIFEST}`)).stdout;
    const pod = parseYaml(text) as {
      apiVersion: string; kind: string;
      metadata: { name: string; namespace: string; annotations: Record<string, string>; labels: Record<string, string> };
      spec: { hostNetwork: boolean; priorityClassName: string; containers: Array<{ name: string; command: string[]; livenessProbe: { httpGet: { path: string; port: number } } }>; volumes: Array<{ name: string; hostPath: { path: string } }> };
    };
    t.is(pod.apiVersion, 'v1');
    t.is(pod.kind, 'Pod');
    t.is(pod.metadata.name, 'etcd');
    t.is(pod.metadata.namespace, 'kube-system');
    t.deepEqual(pod.metadata.labels, { component: 'etcd', tier: 'control-plane' });
    t.is(pod.metadata.annotations['kubeadm.kubernetes.io/etcd.advertise-client-urls'], `https://${h.ip}:2379`);
    t.true(pod.spec.hostNetwork);
    t.is(pod.spec.priorityClassName, 'system-node-critical');
    const c = pod.spec.containers[0]!;
    t.is(c.name, 'etcd');
    t.is(c.livenessProbe.httpGet.path, '/health?exclude=NOSPACE&serializable=true');
    t.is(c.livenessProbe.httpGet.port, 2381);
    t.deepEqual(pod.spec.volumes.map((v) => `${v.name}=${v.hostPath.path}`), ['etcd-certs=/etc/kubernetes/pki/etcd', 'etcd-data=/var/lib/etcd']);
    const flags = c.command.slice(1);
    t.is(c.command[0], 'etcd');
    t.deepEqual(flags, [...flags].sort(), 'kubeadm writes the flags sorted');
    for (const f of [
      '--data-dir=/var/lib/etcd',
      `--name=${h.inventoryName}`,
      '--listen-metrics-urls=http://127.0.0.1:2381',
      `--listen-client-urls=https://127.0.0.1:2379,https://${h.ip}:2379`,
      `--initial-cluster=${sb.cluster.etcd!.initialCluster}`,
      '--client-cert-auth=true',
      '--peer-client-cert-auth=true',
      '--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt',
      '--snapshot-count=10000',
    ]) {
      t.true(flags.includes(f), `${f} in ${h.inventoryName}'s manifest`);
    }
    const pid = await onePid(sb, h.inventoryName, 'etcd');
    t.deepEqual(await cmdline(sb, h.inventoryName, pid), c.command);
    // The metrics/health listener kubeadm's probes use answers.
    const health = await sb.hostExec(h, 'curl -s --noproxy "*" http://127.0.0.1:2381/health || wget -qO- http://127.0.0.1:2381/health', { allowFail: true });
    if (health.code === 0) t.regex(health.stdout, /"health":"true"/);
  }
});

test.serial('/var/lib/etcd is the data dir and a mount of its own: it cannot be moved, only its contents', async (t) => {
  const sb = kubeadm();
  for (const h of sb.hosts) {
    const r = await sb.ssh(h, 'mountpoint -q /var/lib/etcd && echo mounted; ls /var/lib/etcd; mv /var/lib/etcd /var/lib/etcd.moved 2>&1; echo "mv=$?"; if test -d /var/lib/etcd.moved; then echo moved-anyway; fi');
    t.regex(r.stdout, /^mounted$/m);
    t.regex(r.stdout, /^member$/m, 'the member dir is right inside the mount (--data-dir=/var/lib/etcd)');
    t.regex(r.stdout, /Device or resource busy/);
    t.regex(r.stdout, /^mv=1$/m);
    t.notRegex(r.stdout, /moved-anyway/);
  }
});

test.serial('inventory and cluster.json describe the kubeadm layout', async (t) => {
  const sb = kubeadm();
  const inv = parseYaml(readFileSync(sb.inventoryYaml, 'utf8')) as { all: { vars: Record<string, string>; children: { etcd: { hosts: Record<string, Record<string, string>> } } } };
  t.like(inv.all.vars, {
    etcd_config_style: 'static_pod',
    etcd_manifest: ETCD_MANIFEST,
    kube_apiserver_manifest: `${MANIFESTS}/kube-apiserver.yaml`,
    etcd_cacert: '/etc/kubernetes/pki/etcd/ca.crt',
    etcd_cert: '/etc/kubernetes/pki/etcd/healthcheck-client.crt',
    etcd_key: '/etc/kubernetes/pki/etcd/healthcheck-client.key',
    etcd_data_dir: '/var/lib/etcd',
  });
  t.false('etcd_service' in inv.all.vars, 'no systemd unit on a kubeadm host');
  t.is(inv.all.children.etcd.hosts.node2!.etcd_name, 'node2');
  t.is(inv.all.children.etcd.hosts.node2!.etcd_client_url, `https://${sb.host('node2').ip}:2379`);
  const ini = readFileSync(sb.inventoryIni, 'utf8');
  t.regex(ini, /^etcd_config_style=static_pod$/m);
  t.like(sb.cluster, { schemaVersion: 1, kubeadm: true, etcdVersion: '3.5', tls: true });
  t.like(sb.cluster.etcd, { service: null, manifest: ETCD_MANIFEST, dataDir: '/var/lib/etcd' });
  t.true(existsSync(sb.tlsFiles!.cert));
});

test.serial('moving the etcd manifest out stops the etcd process; putting it back starts it, and the writer waits quietly meanwhile', async (t) => {
  const sb = kubeadm();
  const node = 'node3';
  const before = await onePid(sb, node, 'etcd');
  const writer = await onePid(sb, node, 'kube-apiserver');
  await sb.ssh(node, `mv ${ETCD_MANIFEST} /root/etcd.yaml`);
  await eventually('etcd to be gone from node3', async () => (await pids(sb, node, 'etcd')).length === 0);
  t.is(await healthyMembers(sb, 'node1'), 2);
  const stopped = await writerVersion(sb, 'node1', node);
  // The writer keeps running (and retrying) while its etcd is down.
  await new Promise((r) => setTimeout(r, 2500));
  t.deepEqual(await pids(sb, node, 'kube-apiserver'), [writer]);
  t.is(await writerVersion(sb, 'node1', node), stopped, 'no write from node3 while its etcd is down');

  await sb.ssh(node, `mv /root/etcd.yaml ${ETCD_MANIFEST}`);
  const after = await onePid(sb, node, 'etcd');
  t.not(after, before);
  await eventually('3 healthy members again', async () => (await healthyMembers(sb, 'node1')) === 3);
  await eventually("node3's writer to write again", async () => (await writerVersion(sb, 'node1', node)) > stopped);
  t.deepEqual(await pids(sb, node, 'kube-apiserver'), [writer]);
});

test.serial('the kube-apiserver stand-in pod writes /registry keys with its etcd flags, and stops when its manifest leaves', async (t) => {
  const sb = kubeadm();
  const node = 'node2';
  const pid = await onePid(sb, node, 'kube-apiserver');
  const argv = await cmdline(sb, node, pid);
  for (const f of ['--etcd-servers=https://127.0.0.1:2379', '--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt', '--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt', '--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key']) {
    t.true(argv.includes(f), `${f} in ${argv.join(' ')}`);
  }
  const v1 = await writerVersion(sb, 'node1', node);
  await eventually('the writer to write', async () => (await writerVersion(sb, 'node1', node)) > v1);
  const keys = await sb.etcdctl('node1', ['get', '', '--prefix', '--keys-only']);
  const writerKeys = keys.stdout.split('\n').filter((k) => k.includes('sandbox-writer') || k.includes('/leases/'));
  t.true(writerKeys.length >= 2 && writerKeys.every((k) => k.startsWith('/registry/')), writerKeys.join(' '));

  await sb.ssh(node, `mv ${MANIFESTS}/kube-apiserver.yaml /root/`);
  await eventually('kube-apiserver to be gone from node2', async () => (await pids(sb, node, 'kube-apiserver')).length === 0);
  const stopped = await writerVersion(sb, 'node1', node);
  await new Promise((r) => setTimeout(r, 2500));
  t.is(await writerVersion(sb, 'node1', node), stopped, 'no writes once the pod is stopped');
  await sb.ssh(node, `mv /root/kube-apiserver.yaml ${MANIFESTS}/`);
  await eventually('the writer to write again', async () => (await writerVersion(sb, 'node1', node)) > stopped);
});

test.serial('editing the manifest restarts etcd with the new flag; a comment-only edit restarts nothing', async (t) => {
  const sb = kubeadm();
  const node = 'node2';
  const before = await onePid(sb, node, 'etcd');
  // Comments and layout are not part of the pod: kubelet keeps it running.
  await sb.ssh(node, `sed -i '1i # edited by a test' ${ETCD_MANIFEST}`);
  await new Promise((r) => setTimeout(r, 3000));
  t.deepEqual(await pids(sb, node, 'etcd'), [before], 'a comment does not restart the pod');

  await sb.ssh(node, `sed -i 's|^    - --snapshot-count=10000$|    - --snapshot-count=10000\\n    - --heartbeat-interval=100|' ${ETCD_MANIFEST}`);
  const after = await eventually('etcd restarted with the new flag', async () => {
    const p = await pids(sb, node, 'etcd');
    if (p.length !== 1 || p[0] === before) return undefined;
    return (await cmdline(sb, node, p[0]!)).includes('--heartbeat-interval=100') ? p[0] : undefined;
  });
  t.not(after, before);
  await eventually('3 healthy members again', async () => (await healthyMembers(sb, 'node1')) === 3);
  const pods = await sb.staticPods(node);
  t.is(pods.filter((p) => p.name === 'etcd-node2').length, 1);
});

test.serial('a killed etcd is restarted with back-off: at once, then after 1 s, 2 s, 4 s (the cap)', async (t) => {
  const sb = kubeadm();
  const node = 'node1';
  const ticks = Number((await sb.hostExec(node, 'getconf CLK_TCK')).stdout.trim());
  const uid = (await sb.staticPods(node)).find((p) => p.name === 'etcd-node1')!.uid;
  const starts: number[] = [];
  let pid = await onePid(sb, node, 'etcd');
  starts.push(await startTicks(sb, node, pid));
  for (let i = 0; i < 5; i++) {
    await sb.hostExec(node, `kill -KILL ${pid}`);
    const old = pid;
    pid = await eventually(`etcd restarted after kill ${i + 1}`, async () => {
      const p = await pids(sb, node, 'etcd');
      return p.length === 1 && p[0] !== old ? p[0] : undefined;
    });
    starts.push(await startTicks(sb, node, pid));
  }
  const gaps = starts.slice(1).map((s, i) => (s - starts[i]!) / ticks);
  t.log(`seconds between starts: ${gaps.map((g) => g.toFixed(2)).join(', ')}`);
  // Lower bounds only: a busy machine makes gaps longer, never shorter.
  for (const [i, min] of [[1, 1], [2, 2], [3, 4], [4, 4]] as const) {
    t.true(gaps[i]! >= min - 0.05, `restart ${i + 1} waited ${gaps[i]!.toFixed(2)} s, at least ${min} s`);
  }
  const log = (await sb.hostExec(node, 'cat /var/log/journal/kubelet.service.log')).stdout;
  for (const s of ['1', '2', '4']) t.regex(log, new RegExp(`back-off ${s}s restarting failed container etcd of etcd-node1`));
  t.notRegex(log, /back-off 8s/, 'the back-off stops doubling at its maximum');
  const pod = (await sb.staticPods(node)).find((p) => p.name === 'etcd-node1')!;
  t.is(pod.uid, uid, 'a restart is the same pod');
  t.is(pod.containers[0]!.restartCount, 5);
  t.is(pod.containers[0]!.lastExitCode, -9);
  // One log per attempt, the current and the previous one kept.
  const logs = await sb.hostExec(node, `ls /var/log/pods/kube-system_etcd-node1_${uid}/etcd/`);
  t.deepEqual(logs.stdout.trim().split('\n').sort(), ['4.log', '5.log']);
  await eventually('3 healthy members again', async () => (await healthyMembers(sb, 'node1')) === 3);
});

test.serial('container logs are in /var/log/pods in CRI format, linked from /var/log/containers', async (t) => {
  const sb = kubeadm();
  const node = 'node3';
  const pod = (await sb.staticPods(node)).find((p) => p.name === 'etcd-node3')!;
  const c = pod.containers[0]!;
  const dir = `/var/log/pods/kube-system_etcd-node3_${pod.uid}/etcd`;
  const r = await sb.hostExec(node, `cat ${dir}/${c.restartCount}.log; echo ===; readlink -f /var/log/containers/etcd-node3_kube-system_etcd-${c.containerId}.log`);
  const [text, link] = r.stdout.split('===\n');
  const lines = text!.trim().split('\n');
  t.true(lines.length > 5);
  for (const l of lines) t.regex(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) F /);
  t.true(lines.some((l) => / stderr F \{.*"msg":/.test(l)), 'etcd logs JSON on stderr');
  t.is(link!.trim(), `${dir}/${c.restartCount}.log`);
});

test.serial('every manifest file is a pod: a second pod runs beside etcd; a same-named backup waits, and takes over when etcd.yaml leaves; dotfiles are ignored', async (t) => {
  const sb = kubeadm();
  const node = 'node1';
  const etcdPid = await onePid(sb, node, 'etcd');
  // A second pod.
  await sb.ssh(node, `cat > ${MANIFESTS}/sleeper.yaml <<'EOF'
apiVersion: v1
kind: Pod
metadata:
  name: sleeper
  namespace: default
spec:
  containers:
  - name: sleep
    command: [sleep, "100000"]
EOF`);
  await onePid(sb, node, 'sleep');
  t.truthy((await sb.staticPods(node)).find((p) => p.name === 'sleeper-node1' && p.namespace === 'default'));
  // A backup of etcd.yaml in the dir declares the same pod name: kubelet ignores the second
  // file (name order) while the first is there.
  await sb.ssh(node, `cp ${ETCD_MANIFEST} ${ETCD_MANIFEST}.bak; cp ${ETCD_MANIFEST} ${MANIFESTS}/.etcd.yaml.swp`);
  await new Promise((r) => setTimeout(r, 3000));
  t.deepEqual(await pids(sb, node, 'etcd'), [etcdPid]);
  const log = (await sb.hostExec(node, 'cat /var/log/journal/kubelet.service.log')).stdout;
  t.regex(log, /etcd\.yaml\.bak: duplicate pod name kube-system\/etcd-node1/);
  t.notRegex(log, /\.etcd\.yaml\.swp/);
  // "Stopping" etcd by moving etcd.yaml out leaves the backup, which kubelet then runs.
  await sb.ssh(node, `mv ${ETCD_MANIFEST} /root/etcd.yaml`);
  const fromBackup = await eventually('etcd to run from the backup manifest', async () => {
    const pods = await sb.staticPods(node);
    const p = pods.find((x) => x.name === 'etcd-node1' && x.phase === 'Running');
    return p?.manifest === `${ETCD_MANIFEST}.bak` && p.containers[0]!.pid ? p : undefined;
  });
  t.not(fromBackup.containers[0]!.pid, null);
  t.is((await pids(sb, node, 'etcd')).length, 1);
  // Clean up: etcd.yaml back, backup and second pod gone.
  await sb.ssh(node, `mv /root/etcd.yaml ${ETCD_MANIFEST}; rm -f ${ETCD_MANIFEST}.bak ${MANIFESTS}/.etcd.yaml.swp ${MANIFESTS}/sleeper.yaml`);
  await eventually('the second pod to be stopped', async () => (await pids(sb, node, 'sleep')).length === 0);
  await eventually('etcd from etcd.yaml again', async () => {
    const pods = await sb.staticPods(node);
    return pods.length === 2 && pods.some((p) => p.manifest === ETCD_MANIFEST && p.containers[0]!.pid !== null);
  });
  await eventually('3 healthy members again', async () => (await healthyMembers(sb, 'node1')) === 3);
});

test.serial('a manifest that does not parse stops its pod, as with kubelet; fixing it starts it again', async (t) => {
  const sb = kubeadm();
  const node = 'node3';
  await onePid(sb, node, 'etcd');
  await sb.ssh(node, `cp ${ETCD_MANIFEST} /root/etcd.good; printf 'spec: [\\n' >> ${ETCD_MANIFEST}`);
  await eventually('etcd stopped for the broken manifest', async () => (await pids(sb, node, 'etcd')).length === 0);
  const log = (await sb.hostExec(node, 'cat /var/log/journal/kubelet.service.log')).stdout;
  t.regex(log, /etcd\.yaml: could not process manifest file: not valid YAML/);
  await sb.ssh(node, `cp /root/etcd.good ${ETCD_MANIFEST}`);
  await onePid(sb, node, 'etcd');
  await eventually('3 healthy members again', async () => (await healthyMembers(sb, 'node1')) === 3);
});

test('--etcd 3.5 on a systemd sandbox: etcd.service runs 3.5, etcdctl and etcdutl are 3.5', async (t) => {
  const sb = await extras.get('systemd35')!;
  try {
    t.false(sb.kubeadm);
    t.is(sb.etcdVersion, '3.5');
    const r = await sb.ssh('node1', 'systemctl is-active etcd; etcd --version | head -n 1; etcdctl version | head -n 1; etcdutl version | head -n 1; grep ^ExecStart= /etc/systemd/system/etcd.service');
    t.deepEqual(r.stdout.trim().split('\n'), [
      'active',
      `etcd Version: ${sb.cluster.etcdRelease}`,
      `etcdctl version: ${sb.cluster.etcdRelease}`,
      `etcdutl version: ${sb.cluster.etcdRelease}`,
      'ExecStart=/usr/bin/etcd',
    ]);
    const pid = await onePid(sb, 'node1', 'etcd');
    t.regex((await sb.hostExec('node1', `/proc/${pid}/exe --version`)).stdout, /^etcd Version: 3\.5\./);
    t.regex((await sb.etcdctl('node1', ['endpoint', 'health'])).stderr + (await sb.etcdctl('node1', ['endpoint', 'health'])).stdout, /is healthy/);
    t.like(sb.cluster.etcd, { service: 'etcd', dataDir: '/var/lib/etcd/default', manifest: null });
  } finally {
    await sb.down();
  }
});

test('--kubeadm --etcd 3.4 works, and down stops the runner and its pods with the host', async (t) => {
  const sb = await extras.get('kubeadm34')!;
  let hostPids: number[] = [];
  try {
    t.is(sb.etcdVersion, '3.4');
    const r = await sb.ssh('node1', 'etcd --version | head -n 1; command -v etcdutl || echo no-etcdutl; systemctl is-active kubelet');
    t.deepEqual(r.stdout.trim().split('\n'), ['etcd Version: 3.4.23', 'no-etcdutl', 'active']);
    t.is(await healthyMembers(sb, 'node1'), 1);
    await onePid(sb, 'node1', 'kube-apiserver');
    const ns = sb.hosts[0]!.netns;
    hostPids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
    t.true(hostPids.length >= 5, `init, sshd, runner, etcd, kube-apiserver: ${hostPids.join(' ')}`);
  } finally {
    await sb.down();
  }
  const left = hostPids.filter((p) => existsSync(`/proc/${p}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${p}/status`, 'utf8')) && readFileSync(`/proc/${p}/cmdline`, 'utf8').length > 0);
  t.deepEqual(left, [], 'no process of the host survives down');
  t.false(existsSync(sb.dir));
});
