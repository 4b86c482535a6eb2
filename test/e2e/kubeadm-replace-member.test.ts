/**
 * playbooks/replace-member.yaml on a kubeadm cluster with etcd 3.5: each member a static pod run
 * by the sandbox's static-pod runner (the kubelet stand-in, test/cluster/README.md), each
 * /var/lib/etcd a mount point of its own. The member is broken as seed 002 shows it on a static
 * pod: its manifest moved out, its data wiped, and put back with initial-cluster-state=new and
 * only itself in initial-cluster, so it forms a one-member cluster of its own and its peers log
 * "request cluster ID mismatch". Results are checked on the hosts with etcdctl and the shell.
 */
import test from 'ava';
import { allMembersHealthy, eventuallyDefined } from '../helpers/etcd-data.js';
import { keysUnder, putKeys } from '../helpers/etcd-writer.js';
import { CliSession, describeRun, type CliResult } from '../helpers/runbook-cli.js';
import { type Sandbox, useSandbox } from '../helpers/sandbox.js';

const MANIFEST = '/etc/kubernetes/manifests/etcd.yaml';

const sandbox = useSandbox(test, { name: 'kubermember', kubeadm: true, etcdVersion: '3.5' });

const cli = new CliSession('kubermember-');
test.after(() => cli.remove());

function apply(sb: Sandbox, extra: string[]): Promise<CliResult> {
  return cli.apply('playbooks/replace-member.yaml', { inventory: sb.inventoryYaml, args: extra, timeoutMs: 900_000 });
}

/** the cluster id a member answers with, in hex; undefined when it does not answer */
async function clusterIdOf(sb: Sandbox, host: string): Promise<string | undefined> {
  const r = await sb.etcdctl(host, ['--command-timeout=3s', 'endpoint', 'status', '-w', 'json']);
  const m = /"cluster_id":(\d+)/.exec(r.stdout);
  return m ? BigInt(m[1]!).toString(16) : undefined;
}

async function memberList(sb: Sandbox): Promise<Array<{ name: string; learner: boolean; started: boolean }>> {
  const r = await sb.etcdctl('node1', ['member', 'list', '-w', 'json']);
  const parsed = JSON.parse(r.stdout.replace(/"ID":(\d+)/g, '"ID":"$1"')) as { members: Array<{ name?: string; isLearner?: boolean; clientURLs?: string[] }> };
  return parsed.members.map((m) => ({ name: m.name ?? '', learner: Boolean(m.isLearner), started: (m.name ?? '') !== '' && (m.clientURLs ?? []).length > 0 }));
}

/** seed 002 on a static pod: manifest out, wait, data wiped, state new and alone, manifest back */
async function wipeIntoOwnCluster(sb: Sandbox): Promise<void> {
  const peer = sb.host('node3').etcd!.peerUrl;
  await sb.hostExec(
    'node3',
    [
      'set -e',
      `mv ${MANIFEST} /root/etcd.yaml`,
      'for i in $(seq 1 120); do pgrep -x etcd >/dev/null || break; sleep 0.5; done',
      '! pgrep -x etcd',
      // a mount point: its contents go, the dir stays
      'find /var/lib/etcd -mindepth 1 -delete',
      `sed -i -e 's|^\\( *- --initial-cluster=\\).*$|\\1node3=${peer}|' -e 's|^\\( *- --initial-cluster-state=\\).*$|\\1new|' /root/etcd.yaml`,
      `mv /root/etcd.yaml ${MANIFEST}`,
    ].join('\n'),
  );
}

test.serial('replace-member: a static pod wiped into a cluster of its own ("cluster ID mismatch") rejoins, every key there', async (t) => {
  const s = sandbox();
  const keys = await putKeys(s.endpoints[0]!, s.tlsFiles, '/krm/keep/', 200);
  const clusterId = await clusterIdOf(s, 'node1');
  t.truthy(clusterId);
  const manifestBefore = (await s.hostExec('node3', `cat ${MANIFEST}`)).stdout;

  await wipeIntoOwnCluster(s);
  // node3 now answers for a cluster of its own, with none of the keys
  const ownId = await eventuallyDefined('node3 serves a cluster of its own', async () => {
    const id = await clusterIdOf(s, 'node3');
    return id !== undefined && id !== clusterId ? id : undefined;
  }, 90_000);
  t.not(ownId, clusterId);
  const logs = await eventuallyDefined('a peer logs the mismatch', async () => {
    const r = await s.hostExec('node1', 'grep -rh "cluster ID mismatch" /var/log/pods 2>/dev/null | tail -n 1');
    return r.stdout.trim() !== '' ? r.stdout : undefined;
  }, 60_000);
  t.log(logs.trim().slice(0, 200));

  const r = await apply(s, ['-e', 'member=node3']);
  t.is(r.code, 0, describeRun(r));

  // the member is back in the one cluster, a voting member, with every key in its own copy
  t.is(await clusterIdOf(s, 'node3'), clusterId);
  const members = await memberList(s);
  t.is(members.length, 3, JSON.stringify(members));
  t.true(members.every((m) => !m.learner && m.started), JSON.stringify(members));
  await allMembersHealthy(s);
  const onNode3 = await s.etcdctl('node3', ['get', '/krm/keep/', '--prefix', '--keys-only', '--consistency=s']);
  t.deepEqual(onNode3.stdout.split('\n').filter(Boolean).sort(), keys.sort());
  t.deepEqual((await keysUnder(s.endpoints[2]!, s.tlsFiles, '/krm/keep/')).sort(), keys.sort());

  // the manifest: back in the manifests dir, switched to existing with the cluster's members;
  // every other line as kubeadm wrote it
  const manifest = (await s.hostExec('node3', `cat ${MANIFEST}`)).stdout;
  t.regex(manifest, /^ {4}- --initial-cluster-state=existing$/m);
  const initial = /^ {4}- --initial-cluster=(.*)$/m.exec(manifest)?.[1] ?? '';
  t.deepEqual(initial.split(',').map((m) => m.split('=')[0]).sort(), ['node1', 'node2', 'node3']);
  const other = (text: string) => text.split('\n').filter((l) => !/--initial-cluster(-state)?=/.test(l));
  t.deepEqual(other(manifest), other(manifestBefore));
  t.is((await s.hostExec('node3', 'ls -A /etc/kubernetes/manifests')).stdout, 'etcd.yaml\nkube-apiserver.yaml\n');
  t.is((await s.hostExec('node3', 'ls -A /etc/kubernetes/manifests-parked 2>/dev/null | grep -c "^etcd.yaml$" || true')).stdout.trim(), '0');
  // the wiped member's own data is kept, on its own disk, inside the mount point
  const kept = await s.hostExec('node3', 'ls -A /var/lib/etcd; mountpoint /var/lib/etcd');
  t.regex(kept.stdout, /^\.pre-replace-\S+$/m);
  t.regex(kept.stdout, /is a mountpoint/);
});
