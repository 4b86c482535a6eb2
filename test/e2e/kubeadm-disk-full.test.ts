/**
 * k8s-disk-full.yaml (seed 004: container logs filling /) on a 2-node kubeadm sandbox, through
 * the built CLI over SSH, on real files.
 *
 * STAND-IN (test/cluster/README.md): the kubelet is the static-pod runner run as kubelet.service,
 * which writes each static pod's output to /var/log/pods/... exactly as the kubelet and its
 * runtime do, keeps the current log open while the container runs (so truncating it in place
 * is what frees the space, deleting it would not), and reads /var/lib/kubelet/config.yaml once
 * at start, recording what it read in /run/static-pod-runner/kubelet-config.json. A Docker-style
 * log (/var/lib/docker/containers/ID/ID-json.log) is a plain file written by the test: no
 * Docker runs here.
 *
 * One sandbox serves every test, in order.
 */
import test from 'ava';
import { allMembersHealthy } from '../helpers/etcd-data.js';
import { CliSession, describeRun, type CliResult } from '../helpers/runbook-cli.js';
import { type Sandbox, useSandbox } from '../helpers/sandbox.js';

const PLAYBOOK = 'playbooks/k8s-disk-full.yaml';
const KUBELET_CONFIG = '/var/lib/kubelet/config.yaml';
const DOCKER_LOG = '/var/lib/docker/containers/4f2a/4f2a-json.log';
const RECORD = '/var/log/runbook-truncated-logs.log';
const MB = 1024 * 1024;

const sandbox = useSandbox(test, { name: 'diskfull', hosts: 2, kubeadm: true, controllerManager: true, podBackoff: { initial: 1, max: 4 } });

const cli = new CliSession('diskfull-');
test.after(() => cli.remove());

function apply(sb: Sandbox, vars: Record<string, string | number>, args: string[] = []): Promise<CliResult> {
  return cli.apply(PLAYBOOK, { inventory: sb.inventoryYaml, vars, args, timeoutMs: 900_000 });
}

/** the etcd container's current log on a host: the file the runner holds open */
async function etcdLog(sb: Sandbox, host: string): Promise<string> {
  return (await sb.hostExec(host, 'readlink -f /var/log/containers/etcd-*_kube-system_etcd-*.log | tail -n 1')).stdout.trim();
}

const size = async (sb: Sandbox, host: string, path: string) => Number((await sb.hostExec(host, `stat -c %s -- ${path}`)).stdout.trim());

/** seed 004: node1's logs grow by 30 MiB (etcd's own, open) and 20 MiB (a Docker-style one) */
async function fillLogs(sb: Sandbox): Promise<{ etcd: string }> {
  const etcd = await etcdLog(sb, 'node1');
  await sb.hostExec('node1', `head -c ${30 * MB} /dev/zero | tr '\\0' 'x' >> ${etcd}; mkdir -p ${DOCKER_LOG.replace(/\/[^/]+$/, '')} && head -c ${20 * MB} /dev/zero | tr '\\0' 'y' > ${DOCKER_LOG}`);
  return { etcd };
}

test.serial('--check reports the logs and the disk and changes nothing', async (t) => {
  const s = sandbox();
  const { etcd } = await fillLogs(s);
  const before = await Promise.all([size(s, 'node1', etcd), size(s, 'node1', DOCKER_LOG)]);
  const config = (await s.hostExec('node1', `cat ${KUBELET_CONFIG}`)).stdout;
  const pid = (await s.hostExec('node1', 'cat /run/static-pod-runner/kubelet-config.json')).stdout;

  const r = await apply(s, { truncate_over: '10M' }, ['--check']);
  t.is(r.code, 0, describeRun(r));
  t.true((await size(s, 'node1', etcd)) >= before[0]!);
  t.is(await size(s, 'node1', DOCKER_LOG), before[1]!);
  t.is((await s.hostExec('node1', `cat ${KUBELET_CONFIG}`)).stdout, config);
  t.is((await s.hostExec('node1', 'cat /run/static-pod-runner/kubelet-config.json')).stdout, pid, 'the kubelet was not restarted');
  t.is((await s.hostExec('node1', `test -e ${RECORD}; echo $?`)).stdout.trim(), '1');
});

test.serial('logs over the size truncated in place and recorded, the kubelet rotates logs after its restart, one node at a time', async (t) => {
  const s = sandbox();
  const etcd = await etcdLog(s, 'node1');
  const big = [await size(s, 'node1', etcd), await size(s, 'node1', DOCKER_LOG)];
  t.true(big[0]! > 30 * MB && big[1] === 20 * MB, JSON.stringify(big));
  // a small log is left alone
  const small = await etcdLog(s, 'node2');
  const smallSize = await size(s, 'node2', small);
  const etcdPid = (await s.hostExec('node1', 'pgrep -x etcd')).stdout.trim();

  const r = await apply(s, { truncate_over: '10M', container_log_max_size: '20Mi', container_log_max_files: 3 });
  t.is(r.code, 0, describeRun(r));
  const confirm = r.events.find((e) => e.type === 'confirm');
  const text = confirm?.type === 'confirm' ? confirm.message : '';
  t.regex(text, /TRUNCATED LOG CONTENT CANNOT BE RESTORED/);
  t.regex(text, new RegExp(`node1: 2 log\\(s\\)[^\\n]*\\n[^\\n]*${etcd.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  t.regex(text, /node2: 0 log\(s\)/);

  // truncated in place: the same inode, far smaller; the runner still writes to it
  t.true((await size(s, 'node1', etcd)) < MB);
  t.is(await size(s, 'node1', DOCKER_LOG), 0);
  t.true((await size(s, 'node2', small)) >= smallSize);
  const record = (await s.hostExec('node1', `cat ${RECORD}`)).stdout.trim().split('\n').map((l) => l.split('\t'));
  t.deepEqual(record.map((f) => f[2]).sort(), [etcd, DOCKER_LOG].sort());
  t.true(record.every((f) => /^\d{4}-\d\d-\d\dT/.test(f[0]!) && Number(f[1]) >= 20 * MB), JSON.stringify(record));

  // the rotation: in the file (comments and list style kept), and read by the restarted kubelet
  for (const h of ['node1', 'node2']) {
    const text = (await s.hostExec(h, `cat ${KUBELET_CONFIG}`)).stdout;
    t.regex(text, /\ncontainerLogMaxSize: 20Mi\ncontainerLogMaxFiles: 3\n$/, h);
    t.regex(text, /\nclusterDNS:\n- 10\.96\.0\.10\n/, h);
    const read = JSON.parse((await s.hostExec(h, 'cat /run/static-pod-runner/kubelet-config.json')).stdout) as { effective: Record<string, unknown> };
    t.like(read.effective, { containerLogMaxSize: '20Mi', containerLogMaxFiles: 3 }, h);
    t.regex((await s.hostExec(h, 'ls /var/lib/kubelet')).stdout, /^config\.yaml\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$/m, h);
  }
  // one node at a time: node1's kubelet restart was done before node2's config changed
  const order = r.events
    .filter((e) => e.type === 'host:end' && e.phase === 'task' && /^(Set the kubelet|Restart the kubelet on)/.test(e.task) && e.status === 'changed')
    .map((e) => (e.type === 'host:end' ? `${e.task.split(' ')[0]} ${e.host}` : ''));
  t.deepEqual(order, ['Set node1', 'Restart node1', 'Set node2', 'Restart node2']);
  t.not((await s.hostExec('node1', 'pgrep -x etcd')).stdout.trim(), etcdPid, 'the sandbox kubelet restarts its pods (a real one would not)');
  await allMembersHealthy(s);
});

test.serial('a kubelet that will not start with the new rotation: every config put back and the kubelets restarted', async (t) => {
  const s = sandbox();
  const configs = await Promise.all(['node1', 'node2'].map(async (h) => (await s.hostExec(h, `cat ${KUBELET_CONFIG}`)).stdout));
  // node2's kubelet exits at once with a 30Mi rotation, as a kubelet refusing its config does
  await s.hostExec(
    'node2',
    `mkdir -p /run/kubelet-real && mv /usr/local/bin/kubelet /run/kubelet-real/ && cat > /usr/local/bin/kubelet <<'WRAPPER'
#!/bin/sh
grep -q '^containerLogMaxSize: 30Mi$' /var/lib/kubelet/config.yaml && { echo "E command failed: refused by the test" >&2; exit 1; }
exec /usr/bin/python3 /run/kubelet-real/kubelet "$@"
WRAPPER
chmod 0755 /usr/local/bin/kubelet`,
  );
  try {
    const r = await apply(s, { truncate_over: '1G', container_log_max_size: '30Mi', container_log_max_files: 4, restart_timeout: 20 });
    t.is(r.code, 1, describeRun(r));
    const end = r.events.find((e) => e.type === 'rollback:end');
    t.true(end?.type === 'rollback:end' && end.ok, JSON.stringify(end));
    // both files as they were (node1 was done before node2 failed), both kubelets running on them
    t.is((await s.hostExec('node2', `cat ${KUBELET_CONFIG}`)).stdout, configs[1]);
    t.is((await s.hostExec('node1', `cat ${KUBELET_CONFIG}`)).stdout, configs[0]);
    for (const h of ['node1', 'node2']) {
      const read = JSON.parse((await s.hostExec(h, 'cat /run/static-pod-runner/kubelet-config.json')).stdout) as { effective: Record<string, unknown> };
      t.like(read.effective, { containerLogMaxSize: '20Mi', containerLogMaxFiles: 3 }, h);
      t.is((await s.hostExec(h, 'systemctl is-active kubelet || true')).stdout.trim(), 'active', h);
    }
  } finally {
    await s.hostExec('node2', 'mv -f /run/kubelet-real/kubelet /usr/local/bin/kubelet');
  }
  await allMembersHealthy(s);
});
