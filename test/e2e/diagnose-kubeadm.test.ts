/**
 * `runbook diagnose` on the kubeadm layout (etcd as a static pod run by the kubelet stand-in,
 * kubeadm's PKI; see test/cluster/README.md): the metrics come from --listen-metrics-urls
 * (http://127.0.0.1:2381, through the host's SSH connection), the certificates from
 * /etc/kubernetes/pki/etcd, the log from /var/log/pods; and a kube-controller-manager manifest
 * with seed 001's --node-monitor-grace-period=10s against the kubelet's 10 s updates is named.
 * (The sandbox has no controller-manager: the test writes the two files kubeadm and the kubelet
 * would, and removes them.) Disk findings are not asserted: this shared machine's disk is what it is.
 */
import test from 'ava';
import type { DiagnoseReport } from '../../src/diagnose/types.js';
import { allMembersHealthy } from '../helpers/etcd-data.js';
import { runCli } from '../helpers/runbook-cli.js';
import { useSandbox } from '../helpers/sandbox.js';

const sandbox = useSandbox(test, { name: 'diagkube', kubeadm: true });

test.serial('kubeadm layout: metrics on 127.0.0.1:2381, kubeadm certificates, pod logs, and the grace period of seed 001', async (t) => {
  const sb = sandbox();
  await sb.hostExec(
    'node1',
    [
      "printf 'apiVersion: v1\\nkind: Pod\\nmetadata:\\n  name: kube-controller-manager\\nspec:\\n  containers:\\n  - command:\\n    - kube-controller-manager\\n    - --node-monitor-grace-period=10s\\n' > /etc/kubernetes/manifests/kube-controller-manager.yaml",
      'mkdir -p /var/lib/kubelet',
      "printf 'kind: KubeletConfiguration\\nnodeStatusUpdateFrequency: 10s\\n' > /var/lib/kubelet/config.yaml",
    ].join('\n'),
  );
  try {
    const r = await runCli(['diagnose', '-i', sb.inventoryYaml, '--window', '2s', '-o', 'json'], 180_000);
    const report = JSON.parse(r.stdout) as DiagnoseReport;
    t.is(report.members.length, 3);
    for (const m of report.members) {
      t.is(m.metrics?.url, 'http://127.0.0.1:2381', `${m.host}: ${m.errors.join('; ')}`);
      t.true(m.reachable.etcd, m.errors.join('; '));
      const server = m.certs.find((c) => c.role === 'server');
      t.is(server?.path, '/etc/kubernetes/pki/etcd/server.crt');
      t.true((server?.daysLeft ?? 0) > 300);
      t.regex(m.logs.source ?? '', /\/var\/log\/pods/);
      t.is(m.disk?.mount, '/var/lib/etcd');
    }
    t.false(report.findings.some((f) => f.id.startsWith('member.') || f.id === 'tls.cert_expiry' || f.id.startsWith('space.')), JSON.stringify(report.findings.map((f) => f.id)));
    const grace = report.findings.find((f) => f.id === 'kube.node_monitor_grace_period');
    t.truthy(grace, JSON.stringify(report.findings.map((f) => f.id)));
    t.deepEqual(grace!.members, ['node1']);
    t.is(grace!.evidence.node1!.node_monitor_grace_period_s, 10);
    t.is(grace!.evidence.node1!.node_status_update_frequency_s, 10);
  } finally {
    await sb.hostExec('node1', 'rm -f /etc/kubernetes/manifests/kube-controller-manager.yaml /var/lib/kubelet/config.yaml');
  }
});

test.serial('a static-pod member whose manifest was moved away: the advice is to put the manifest back, not systemctl start etcd', async (t) => {
  const sb = sandbox();
  const parked = '/root/etcd.yaml.diagnose-test';
  // as a half-done restore leaves it: the kubelet stops the pod once its manifest is gone
  await sb.hostExec('node2', `mv /etc/kubernetes/manifests/etcd.yaml ${parked}; for i in $(seq 1 600); do pgrep -x etcd >/dev/null || exit 0; sleep 0.2; done; echo "etcd still runs" >&2; exit 1`, { timeoutMs: 180_000 });
  try {
    const r = await runCli(['diagnose', '-i', sb.inventoryYaml, '--window', '2s', '-o', 'json'], 180_000);
    const report = JSON.parse(r.stdout) as DiagnoseReport;
    const ids = JSON.stringify(report.findings.map((f) => f.id));
    const down = report.findings.find((f) => f.id === 'member.down');
    t.truthy(down, ids);
    t.deepEqual(down!.members, ['node2']);
    t.regex(down!.probableCause, /static pod and its manifest is not in \/etc\/kubernetes\/manifests/);
    t.regex(down!.action.text, /put etcd's manifest back into \/etc\/kubernetes\/manifests\/etcd\.yaml on node2/);
    t.notRegex(down!.action.text, /systemctl start etcd/);
    t.deepEqual(report.members.find((m) => m.host === 'node2')!.staticPod, { manifestDir: '/etc/kubernetes/manifests', etcdManifest: null, kubelet: 'active' });
    t.is(report.members.find((m) => m.host === 'node1')!.staticPod?.etcdManifest, '/etc/kubernetes/manifests/etcd.yaml');
    t.is(r.code, 2);
  } finally {
    await sb.hostExec('node2', `mv ${parked} /etc/kubernetes/manifests/etcd.yaml`, { allowFail: true });
    await allMembersHealthy(sb);
  }
});
