import test from 'ava';
import { timingFor } from '../../../src/diagnose/recommend.js';
import { allFindings } from '../../../src/diagnose/report.js';
import { parseDetail, parseSample, iowaitPercent } from '../../../src/diagnose/host-probe.js';
import { countLogLines } from '../../../src/diagnose/log-checks.js';
import { goDurationSeconds } from '../../../src/diagnose/kube-checks.js';
import { daysLeft } from '../../../src/diagnose/cert-checks.js';
import type { ClusterView, MemberReport } from '../../../src/diagnose/types.js';

function member(host: string, over: Partial<MemberReport> = {}): MemberReport {
  const status = { memberId: `id-${host}`, clusterId: 'c1', leaderId: 'id-node1', revision: 10, raftTerm: 2, raftIndex: 20, dbSize: 1 << 20, dbSizeInUse: 1 << 19, version: '3.4.23', errors: [] };
  return {
    host,
    name: `etcd-${host}`,
    address: `http://${host}:2379`,
    reachable: { ssh: true, etcd: true, metrics: true },
    errors: [],
    unit: 'etcd.service',
    service: 'running',
    status: { first: status, second: status },
    metrics: {
      url: '',
      walFsync: { buckets: [{ le: 0.002, count: 50 }], count: 50, sum: 0.05 },
      backendCommit: { buckets: [{ le: 0.002, count: 50 }], count: 50, sum: 0.05 },
      walFsyncP99Ms: 2,
      backendCommitP99Ms: 2,
      leaderChanges: 0,
      heartbeatSendFailures: 0,
      proposalsFailed: 0,
      slowApplies: 0,
      proposalsPending: 0,
      hasLeader: true,
      isLeader: host === 'node1',
      quotaBytes: 2 * 1024 ** 3,
      peerRttP99Ms: {},
      peerRttMeanMs: {},
    },
    timing: { heartbeatMs: 100, electionMs: 1000, peerConnectRttMs: { other: 0.4 }, peerHttpRttMs: { other: 0.9 } },
    disk: { path: '/var/lib/etcd', mount: '/var/lib/etcd', sizeBytes: 100e9, freeBytes: 50e9, freePercent: 50, probeSyncMs: 1, probeSyncWorstMs: 2, iowaitPercent: 1, topWriters: [] },
    root: { freeBytes: 50e9, freePercent: 50 },
    clockOffsetMs: 0,
    clockUncertaintyMs: 1,
    certs: [],
    logs: { source: 'x', sinceMinutes: 15, counts: [] },
    staticPod: null,
    kube: null,
    ...over,
  };
}
const cluster: ClusterView = {
  clusterId: 'c1',
  leaderId: 'id-node1',
  alarms: [],
  members: ['node1', 'node2', 'node3'].map((h) => ({ id: `id-${h}`, name: `etcd-${h}`, peerUrls: [], clientUrls: [], isLearner: false, started: true, host: h })),
};
const inv = ['inv.yaml'];

test('a healthy cluster has no findings', (t) => {
  t.deepEqual(allFindings([member('node1'), member('node2'), member('node3')], cluster, inv), []);
});

test('a slow disk names the member and never recommends heartbeat tuning', (t) => {
  const slow = member('node3');
  slow.metrics = { ...slow.metrics!, walFsyncP99Ms: 250, walFsync: { buckets: [], count: 30, sum: 6 }, leaderChanges: 2 };
  const f = allFindings([member('node1'), member('node2'), slow], cluster, inv);
  const disk = f.find((x) => x.id === 'disk.slow')!;
  t.deepEqual(disk.members, ['node3']);
  t.is(disk.severity, 'critical');
  t.regex(disk.action.text, /fix the disk; do not tune heartbeats/);
  t.false(f.some((x) => x.action.runbook?.includes('heartbeat')));
});

test('too few fsyncs in the window are shown but not judged', (t) => {
  const m = member('node2');
  m.metrics = { ...m.metrics!, walFsyncP99Ms: 40, walFsync: { buckets: [], count: 2, sum: 0.08 } };
  t.false(allFindings([member('node1'), m], cluster, inv).some((x) => x.id === 'disk.slow'));
});

test('RTT above the timeouts recommends heartbeat tuning with values that fit the RTT', (t) => {
  const far = member('node3', { timing: { heartbeatMs: 100, electionMs: 1000, peerConnectRttMs: { node1: 0.3 }, peerHttpRttMs: { node1: 150 } } });
  const f = allFindings([member('node1'), member('node2'), far], cluster, inv).find((x) => x.id === 'timing.rtt_exceeds_timeouts')!;
  t.is(f.action.runbook, 'playbooks/etcd-heartbeat-tuning.yaml');
  const hb = Number(f.action.extraVars!.heartbeat_interval);
  const el = Number(f.action.extraVars!.election_timeout);
  t.true(hb >= 150 && el >= 1500 && el >= 5 * hb, `${hb}/${el}`);
  t.is(f.action.command, "runbook apply playbooks/etcd-heartbeat-tuning.yaml -i inv.yaml -e heartbeat_interval=250 -e election_timeout=2500");
});

test('timingFor follows the tuning guide', (t) => {
  t.deepEqual(timingFor(0.5), { heartbeatMs: 100, electionMs: 1000 });
  t.deepEqual(timingFor(150), { heartbeatMs: 250, electionMs: 2500 });
  t.deepEqual(timingFor(6000), { heartbeatMs: 9000, electionMs: 50000 });
});

test('another cluster ID and NOSPACE name the member and the runbook with its -e values', (t) => {
  const stranger = member('node3');
  stranger.status = { first: { ...stranger.status.first!, clusterId: 'c2' }, second: { ...stranger.status.second!, clusterId: 'c2' } };
  const full = { ...cluster, alarms: [{ memberId: 'id-node1', alarm: 'NOSPACE', host: 'node1' }] };
  const f = allFindings([member('node1'), member('node2'), stranger], full, inv);
  const mismatch = f.find((x) => x.id === 'member.cluster_id_mismatch')!;
  t.deepEqual(mismatch.members, ['node3']);
  t.deepEqual(mismatch.action.extraVars, { member: 'node3' });
  t.is(mismatch.action.runbook, 'playbooks/replace-member.yaml');
  const space = f.find((x) => x.id === 'space.nospace_alarm')!;
  t.is(space.severity, 'critical');
  t.is(space.action.runbook, 'playbooks/etcd-maintenance.yaml');
});

test('host probe output is parsed', (t) => {
  const s = parseSample(['now=1700000000123456789', 'cpu=cpu  10 0 5 100 7 0 0 0 0 0', 'io=12 4096', 'comm=12 etcd', 'pid=12', `cmdline=${Buffer.from('etcd\0--heartbeat-interval=300\0').toString('base64')}`].join('\n'));
  t.is(s.etcdPid, 12);
  t.deepEqual(s.argv, ['etcd', '--heartbeat-interval=300']);
  t.is(s.writes.get(12), 4096);
  t.is(iowaitPercent([10, 0, 5, 100, 7], [10, 0, 5, 150, 57]), 50);
  const d = parseDetail(['active=running', 'df=/dev/vda 1000 600 400 60% /var/lib/etcd', 'probe=1200', 'probe=900', 'rtt=node2 0.150000', 'rtt=node2 0.000000', 'cert=server /p/server.crt notAfter=Dec 14 16:00:00 2026 GMT'].join('\n'));
  t.deepEqual(d.probeMicros, [1200, 900]);
  t.deepEqual(d.rtt.get('node2'), [150]);
  t.is(d.df!.free, 400);
  t.is(d.certs[0]!.notAfter, 'Dec 14 16:00:00 2026 GMT');
  t.is(daysLeft('Dec 14 16:00:00 2026 GMT', Date.parse('2026-12-04T16:00:00Z')), 10);
});

test('log lines are counted per pattern, and old ones are not', (t) => {
  const since = Date.parse('2026-12-04T16:00:00Z');
  const c = countLogLines(
    [
      '{"level":"warn","ts":"2026-12-04T16:05:00.000Z","msg":"slow fdatasync"}',
      '{"level":"warn","ts":"2026-12-04T15:05:00.000Z","msg":"slow fdatasync"}',
      '{"level":"warn","ts":"2026-12-04T16:06:00.000Z","msg":"request cluster ID mismatch"}',
    ],
    since,
  );
  t.is(c.find((x) => x.pattern === 'slow fdatasync')!.count, 1);
  t.is(c.find((x) => x.pattern === 'request cluster ID mismatch')!.count, 1);
  t.is(goDurationSeconds('1m30s'), 90);
  t.is(goDurationSeconds('40s'), 40);
  t.is(goDurationSeconds('soon'), null);
});

/** a member whose etcd does not answer: no status, the host reached over SSH */
function down(host: string, over: Partial<MemberReport>): MemberReport {
  return member(host, { status: { first: null, second: null }, metrics: null, reachable: { ssh: true, etcd: false, metrics: false }, ...over });
}
const downAction = (m: MemberReport) => allFindings([member('node1'), m, member('node3')], cluster, inv).find((f) => f.id === 'member.down')!;

test('a stopped systemd member: start its unit', (t) => {
  const f = downAction(down('node2', { service: 'inactive' }));
  t.regex(f.action.text, /systemctl start etcd\.service on node2/);
  t.regex(f.action.text, /replace-member\.yaml -i inv\.yaml -e member=node2/);
});

test('a static-pod member whose kubelet is stopped: start the kubelet, never systemctl start etcd', (t) => {
  const f = downAction(down('node2', { service: 'inactive', staticPod: { manifestDir: '/etc/kubernetes/manifests', etcdManifest: '/etc/kubernetes/manifests/etcd.yaml', kubelet: 'inactive' } }));
  t.regex(f.probableCause, /kubelet .* is inactive/);
  t.regex(f.action.text, /start the kubelet on node2/);
  t.notRegex(f.action.text, /systemctl start etcd/);
  t.is(f.evidence.node2!.kubelet, 'inactive');
});

test('a static-pod member whose manifest was moved away: put the manifest back', (t) => {
  const f = downAction(down('node2', { service: 'inactive', staticPod: { manifestDir: '/etc/kubernetes/manifests', etcdManifest: null, kubelet: 'active' } }));
  t.regex(f.probableCause, /manifest is not in \/etc\/kubernetes\/manifests/);
  t.regex(f.action.text, /put etcd's manifest back into \/etc\/kubernetes\/manifests\/etcd\.yaml on node2/);
  t.is(f.evidence.node2!.static_pod_manifest, 'missing from /etc/kubernetes/manifests');
  t.notRegex(f.action.text, /systemctl start etcd/);
});

test('a static-pod member with its manifest and a running kubelet but no etcd: read the pod log', (t) => {
  const f = downAction(down('node2', { service: 'inactive', staticPod: { manifestDir: '/etc/kubernetes/manifests', etcdManifest: '/etc/kubernetes/manifests/etcd.yaml', kubelet: 'active' } }));
  t.regex(f.action.text, /\/var\/log\/pods\/kube-system_etcd-\*/);
  t.notRegex(f.action.text, /systemctl start/);
});

test('the detail probe reads the static-pod lines', (t) => {
  const d = parseDetail('podmanifests=/etc/kubernetes/manifests\netcdmanifest=/etc/kubernetes/manifests/etcd.yaml\nkubeletactive=active\n');
  t.is(d.podManifests, '/etc/kubernetes/manifests');
  t.is(d.etcdManifest, '/etc/kubernetes/manifests/etcd.yaml');
  t.is(d.kubeletActive, 'active');
  t.is(parseDetail('active=running\n').podManifests, null);
});

test("seed 001's 10s grace period with 10s updates recommends k8s-node-status-timing.yaml", (t) => {
  const kube = { nodeMonitorGracePeriodS: 10, nodeStatusUpdateFrequencyS: 10, manifest: '/etc/kubernetes/manifests/kube-controller-manager.yaml' };
  const f = allFindings([member('node1', { kube }), member('node2'), member('node3')], cluster, inv).find((x) => x.id === 'kube.node_monitor_grace_period');
  t.deepEqual(f?.members, ['node1']);
  t.is(f?.action.runbook, 'playbooks/k8s-node-status-timing.yaml');
  t.is(f?.action.command, 'runbook apply playbooks/k8s-node-status-timing.yaml -i inv.yaml -e preset=default');
});

test("kubeadm's zero durations mean the kubelet's default, not 0 (seed 001 on a kubeadm node is still found)", async (t) => {
  const { configuredSeconds } = await import('../../../src/diagnose/kube-checks.js');
  t.is(configuredSeconds('0s'), null);
  t.is(configuredSeconds('0'), null);
  t.is(configuredSeconds('20s'), 20);
  t.is(configuredSeconds(null), null);
  const kube = { nodeMonitorGracePeriodS: 10, nodeStatusUpdateFrequencyS: configuredSeconds('0s'), manifest: '/etc/kubernetes/manifests/kube-controller-manager.yaml' };
  t.truthy(allFindings([member('node1', { kube }), member('node2'), member('node3')], cluster, inv).find((x) => x.id === 'kube.node_monitor_grace_period'));
});
