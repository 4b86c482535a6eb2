/**
 * playbooks/replace-member.yaml against real 3-member etcd 3.4 clusters, plain (`rmember`) and
 * with client certificates (`rmembertls`), through the real CLI. Every result is checked on the
 * hosts with etcdctl and the shell, not with the code under test.
 *
 * The broken member is made the way the seeds describe it: its data wiped and etcd started again
 * with initial-cluster-state=new. With only itself in initial-cluster it forms a one-member cluster
 * of its own (its peers log "request cluster ID mismatch"); with the full list it cannot join.
 */
import test from 'ava';
import { keysUnder, putKeys } from '../helpers/etcd-writer.js';
import { CliSession, describeRun, type CliResult } from '../helpers/runbook-cli.js';
import { allMembersHealthy, eventuallyDefined } from '../helpers/etcd-data.js';
import { type Sandbox, useSandbox } from '../helpers/sandbox.js';

const PLAYBOOK = 'playbooks/replace-member.yaml';

const plainSandbox = useSandbox(test, { name: 'rmember' });
const tlsSandbox = useSandbox(test, { name: 'rmembertls', tls: true });

const cli = new CliSession('rmember-');
test.after(() => cli.remove());

/** `runbook apply` as an operator runs it, events as JSON lines */
function apply(sb: Sandbox, extra: string[]): Promise<CliResult> {
  return cli.apply(PLAYBOOK, { inventory: sb.inventoryYaml, args: extra, timeoutMs: 600_000 });
}

interface ListedMember {
  ID: string;
  name: string;
  peerURLs: string[];
  isLearner?: boolean;
}

/** the member list as node1 sees it, ids in hex */
async function memberList(sb: Sandbox, via = 'node1'): Promise<Array<{ id: string; name: string; learner: boolean }>> {
  const r = await sb.etcdctl(via, ['member', 'list', '-w', 'json']);
  const parsed = JSON.parse(r.stdout) as { members: ListedMember[] };
  return parsed.members.map((m) => ({ id: BigInt(m.ID).toString(16).padStart(16, '0'), name: m.name, learner: Boolean(m.isLearner) }));
}

async function clusterIdOf(sb: Sandbox, host: string): Promise<string | undefined> {
  const r = await sb.hostExec(
    host,
    `ETCDCTL_API=3 etcdctl --endpoints=${sb.host(host).etcd!.clientUrl} ${sb.tls ? '--cacert=/etc/etcd/pki/ca.crt --cert=/etc/etcd/pki/client.crt --key=/etc/etcd/pki/client.key' : ''} --command-timeout=3s endpoint status -w json`,
    { allowFail: true },
  );
  const m = /"cluster_id":(\d+)/.exec(r.stdout);
  return m ? BigInt(m[1]!).toString(16) : undefined;
}

/** what must not change when the runbook refuses: files, data, membership, the service */
async function node3State(sb: Sandbox): Promise<string> {
  const r = await sb.hostExec('node3', 'sha256sum /etc/etcd/etcd.conf; ls -A /var/lib/etcd /var/lib/etcd/default; systemctl is-active etcd; ls /etc/etcd');
  return r.stdout;
}

/**
 * Break node3 as in the seeds: stop it, wipe its data, start it with initial-cluster-state=new,
 * either alone in initial-cluster (a one-member cluster of its own) or with the full list.
 */
async function breakNode3(sb: Sandbox, alone: boolean): Promise<void> {
  const peer = sb.host('node3').etcd!.peerUrl;
  await sb.hostExec(
    'node3',
    [
      'systemctl stop etcd || true',
      'rm -rf /var/lib/etcd/default',
      alone ? `sed -i 's|^ETCD_INITIAL_CLUSTER=.*|ETCD_INITIAL_CLUSTER=etcd3=${peer}|' /etc/etcd/etcd.conf` : `sed -i 's|^ETCD_INITIAL_CLUSTER=.*|ETCD_INITIAL_CLUSTER=${sb.cluster.etcd!.initialCluster}|' /etc/etcd/etcd.conf`,
      "sed -i 's|^ETCD_INITIAL_CLUSTER_STATE=.*|ETCD_INITIAL_CLUSTER_STATE=new|' /etc/etcd/etcd.conf",
      'systemctl reset-failed etcd >/dev/null 2>&1 || true',
      'systemctl start etcd || true',
    ].join('\n'),
  );
}

type Flavour = { label: string; sb: () => Sandbox };
const flavours: Flavour[] = [
  { label: 'plain', sb: plainSandbox },
  { label: 'TLS', sb: tlsSandbox },
];

for (const { label, sb } of flavours) {
  test.serial(`${label}: refused with nothing changed when another member is already down`, async (t) => {
    const s = sb();
    await s.hostExec('node2', 'systemctl stop etcd');
    try {
      const members = await memberList(s);
      const before = await node3State(s);
      const r = await apply(s, ['-e', 'member=node3']);
      t.is(r.code, 3, describeRun(r));
      const refusal = r.events.find((e) => e.type === 'preflight:check' && !e.ok);
      t.truthy(refusal, describeRun(r));
      t.regex(refusal && refusal.type === 'preflight:check' ? refusal.message ?? '' : '', /etcd2 is not healthy.*a quorum is 2: the cluster would stop/);
      t.false(r.events.some((e) => e.type === 'task:start' && e.phase === 'task'), 'no task ran');
      t.deepEqual(await memberList(s), members);
      t.is(await node3State(s), before);
    } finally {
      await s.hostExec('node2', 'systemctl start etcd');
    }
    await allMembersHealthy(s);
  });

  test.serial(`${label}: a wiped member restarted as a new cluster comes back as a healthy voting member with every key`, async (t) => {
    const s = sb();
    const keys = await putKeys(s.endpoints[0]!, s.tlsFiles, `/rm/${label}/`, 500);
    const oldId = (await memberList(s)).find((m) => m.name === 'etcd3')!.id;
    const clusterId = await clusterIdOf(s, 'node1');
    t.truthy(clusterId);

    // plain: a one-member cluster of its own; TLS: the full list, and it cannot join
    const alone = label === 'plain';
    await breakNode3(s, alone);
    if (alone) {
      const rogue = await eventuallyDefined('node3 to serve a cluster of its own', async () => {
        const id = await clusterIdOf(s, 'node3');
        return id !== undefined && id !== clusterId ? id : undefined;
      }, 90_000);
      t.not(rogue, clusterId);
      // its peers refuse it, as in the seed
      await eventuallyDefined('"cluster ID mismatch" in a peer log', async () => {
        const log = await s.hostExec('node1', 'grep -c "cluster ID mismatch" /var/log/journal/etcd.service.log', { allowFail: true });
        return Number(log.stdout.trim()) > 0 ? true : undefined;
      }, 90_000);
    } else {
      // (a one-member cluster of its own answers health checks: only its cluster ID gives it away)
      await eventuallyDefined('etcd3 to be unhealthy', async () => {
        const r = await s.etcdctl('node1', ['endpoint', 'health', '--cluster', '--command-timeout=3s']);
        return r.code !== 0 ? true : undefined;
      }, 90_000);
    }

    const r = await apply(s, ['-e', 'member=node3']);
    t.is(r.code, 0, describeRun(r));

    const members = await memberList(s);
    t.deepEqual(members.map((m) => m.name).sort(), ['etcd1', 'etcd2', 'etcd3']);
    t.true(members.every((m) => !m.learner), 'every member votes');
    const newId = members.find((m) => m.name === 'etcd3')!.id;
    t.not(newId, oldId, 'the old member was removed and a new one added');
    t.false(members.some((m) => m.id === oldId));
    await allMembersHealthy(s);
    t.is(await clusterIdOf(s, 'node3'), clusterId);

    // every key, read through the new member
    const onNode3 = await keysUnder(s.host('node3').etcd!.clientUrl, s.tlsFiles, `/rm/${label}/`);
    t.deepEqual(onNode3.sort(), [...keys].sort());
    const local = await s.etcdctl('node3', ['get', `/rm/${label}/`, '--prefix', '--keys-only', '--consistency=s']);
    t.is(local.stdout.split('\n').filter(Boolean).length, 500);

    // the config says existing, the old file and the old data are kept
    const files = await s.hostExec('node3', 'grep -E "^ETCD_INITIAL_CLUSTER(_STATE)?=" /etc/etcd/etcd.conf; ls /etc/etcd; ls -d /var/lib/etcd/default.before-replace-*');
    t.regex(files.stdout, /^ETCD_INITIAL_CLUSTER_STATE=existing$/m);
    for (const peer of s.cluster.etcd!.initialCluster.split(',')) t.true(files.stdout.includes(peer), `${peer} in ETCD_INITIAL_CLUSTER`);
    t.regex(files.stdout, /etcd\.conf\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~/);
    t.regex(files.stdout, /\/var\/lib\/etcd\/default\.before-replace-/);

    // the order the runbook promised: remove before add, promote after start
    // (task names are matched by their start: events may carry them rendered or as written)
    const order = r.events.filter((e) => e.type === 'host:end' && e.phase === 'task' && e.status === 'changed').map((e) => (e as { task: string }).task);
    const at = (re: RegExp) => order.findIndex((n) => re.test(n));
    t.true(at(/^Remove the old member/) >= 0, order.join('\n'));
    t.true(at(/^Remove the old member/) < at(/^Add /), order.join('\n'));
    t.true(at(/^Add /) < at(/^Start etcd on /), order.join('\n'));
    t.true(at(/^Start etcd on /) < at(/^Wait until the learner has caught up, then promote it/), order.join('\n'));
  });
}

test.serial('plain: a member that fails to start is rolled back: added member removed, config and data put back', async (t) => {
  const s = plainSandbox();
  await breakNode3(s, true);
  const peerClusterId = await clusterIdOf(s, 'node1');
  await eventuallyDefined('node3 to serve a cluster of its own', async () => {
    const id = await clusterIdOf(s, 'node3');
    return id !== undefined && id !== peerClusterId ? id : undefined;
  }, 90_000);
  // the new member cannot start: a unit check that fails once the config says "existing"
  await s.hostExec(
    'node3',
    [
      `printf '#!/bin/sh\\n! grep -q "^ETCD_INITIAL_CLUSTER_STATE=existing$" /etc/etcd/etcd.conf\\n' > /etc/etcd/refuse-existing.sh`,
      'chmod +x /etc/etcd/refuse-existing.sh',
      'mkdir -p /etc/systemd/system/etcd.service.d',
      "printf '[Service]\\nExecStartPre=/etc/etcd/refuse-existing.sh\\n' > /etc/systemd/system/etcd.service.d/refuse-existing.conf",
      'systemctl daemon-reload',
    ].join('\n'),
  );
  try {
    const conf = (await s.hostExec('node3', 'sha256sum /etc/etcd/etcd.conf')).stdout;
    // the same directory (the rogue member keeps writing into it, so not the same bytes)
    const data = (await s.hostExec('node3', 'stat -c %i /var/lib/etcd/default')).stdout;
    const r = await apply(s, ['-e', 'member=node3']);
    t.is(r.code, 1, describeRun(r));
    const end = r.events.find((e) => e.type === 'rollback:end');
    t.true(end && end.type === 'rollback:end' && end.ok, describeRun(r));
    t.like(r.events.find((e) => e.type === 'run:end'), { status: 'rolled_back' });

    // the old member is gone (it cannot come back), the one added for the replacement too
    const members = await memberList(s);
    t.deepEqual(members.map((m) => m.name).sort(), ['etcd1', 'etcd2']);
    // node3 is as it was: same config, same data, serving its own cluster again
    t.is((await s.hostExec('node3', 'sha256sum /etc/etcd/etcd.conf')).stdout, conf);
    t.is((await s.hostExec('node3', 'stat -c %i /var/lib/etcd/default')).stdout, data);
    t.regex((await s.hostExec('node3', 'ls -d /var/lib/etcd/default.failed-replace-*')).stdout, /failed-replace-/);
    await eventuallyDefined('node3 running its own cluster again', async () => {
      const id = await clusterIdOf(s, 'node3');
      return id !== undefined && id !== peerClusterId ? id : undefined;
    }, 90_000);
    // the two others are healthy
    const health = await s.etcdctl('node1', ['endpoint', 'health', '--cluster']);
    t.is(health.code, 0, health.stdout + health.stderr);
  } finally {
    await s.hostExec('node3', 'rm -rf /etc/systemd/system/etcd.service.d /etc/etcd/refuse-existing.sh; systemctl daemon-reload');
  }

  // with the fault gone, the runbook replaces the member that is no longer in the list
  const again = await apply(s, ['-e', 'member=node3']);
  t.is(again.code, 0, describeRun(again));
  t.deepEqual((await memberList(s)).map((m) => m.name).sort(), ['etcd1', 'etcd2', 'etcd3']);
  await allMembersHealthy(s);
  t.true(again.events.some((e) => e.type === 'host:end' && /^Remove the old member/.test(e.task) && e.status === 'skipped'));
});
