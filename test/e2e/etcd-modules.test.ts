/**
 * The etcd modules against real 3-member etcd 3.4 clusters in the sandbox, over real SSH:
 * `etcdmod` (plain http) and `etcdmodtls` (client certificates, logged in as a sudo user so the
 * key is read with become). Every call goes through the SSH connection's forwarded channel.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import test, { type ExecutionContext } from 'ava';
import { parse as parseYaml } from 'yaml';
import { closeEtcdClients, etcdModules } from '../../src/etcd/modules.js';
import type { ModuleContext, ModuleResult } from '../../src/modules/types.js';
import { connectLocal } from '../../src/transport/local.js';
import { connectSsh } from '../../src/transport/ssh.js';
import type { Become, Transport } from '../../src/transport/types.js';
import { testSpec } from '../helpers/connection-spec.js';
import { eventuallyDefined } from '../helpers/etcd-data.js';
import { type Sandbox, useSandbox } from '../helpers/sandbox.js';

const run = promisify(execFile);

/** connections and module contexts for one sandbox, as the engine would give them */
class Harness {
  private readonly transports = new Map<string, Promise<Transport>>();
  private readonly hostVars: Record<string, Record<string, unknown>>;
  private readonly groups: Record<string, string[]>;
  readonly logs: string[] = [];

  constructor(
    readonly sb: Sandbox,
    private readonly login: { user: string; become: Become | false },
  ) {
    const inv = parseYaml(readFileSync(sb.inventoryYaml, 'utf8')) as {
      all: { vars: Record<string, unknown>; children: { etcd: { hosts: Record<string, Record<string, unknown>> } } };
    };
    const hosts = inv.all.children.etcd.hosts;
    this.groups = { all: Object.keys(hosts), etcd: Object.keys(hosts) };
    this.hostVars = Object.fromEntries(Object.entries(hosts).map(([h, v]) => [h, { ...inv.all.vars, ...v, inventory_hostname: h }]));
  }

  vars(host: string): Record<string, unknown> {
    return { ...(this.hostVars[host] ?? {}), groups: this.groups };
  }

  transport(host: string): Promise<Transport> {
    let t = this.transports.get(host);
    if (!t) {
      const h = this.sb.host(host);
      t = connectSsh(
        testSpec({
          name: host,
          address: h.ip,
          user: this.login.user,
          privateKeyFiles: [this.sb.keyFile],
          knownHostsFiles: [this.sb.knownHosts],
          connectTimeoutMs: 10_000,
          keepaliveIntervalMs: 15_000,
        }),
      );
      this.transports.set(host, t);
    }
    return t;
  }

  async ctx(host: string, over: Partial<ModuleContext> = {}): Promise<ModuleContext> {
    return {
      host,
      vars: this.vars(host),
      transport: await this.transport(host),
      become: this.login.become,
      check: false,
      diff: false,
      runId: 'e2erun',
      signal: new AbortController().signal,
      log: (l) => this.logs.push(`${host}: ${l}`),
      transportFor: (h) => this.transport(h),
      hostVarsOf: (h) => this.vars(h),
      prompt: async () => {
        throw new Error('no TTY in tests');
      },
      runDir: tmpdir(),
      ...over,
    };
  }

  async run(name: string, host: string, args: Record<string, unknown> = {}, over: Partial<ModuleContext> = {}): Promise<ModuleResult> {
    const mod = etcdModules.find((m) => m.name === name);
    if (!mod) throw new Error(`no module ${name}`);
    return mod.run(await this.ctx(host, over), mod.schema.parse(args));
  }

  async close(): Promise<void> {
    const all = [...this.transports.values()];
    this.transports.clear();
    await Promise.all(all.map((p) => p.then((t) => t.close(), () => undefined)));
  }
}

const harnesses: Harness[] = [];
test.after.always(async () => {
  await closeEtcdClients();
  await Promise.all(harnesses.map((h) => h.close()));
});

// a small backend quota, so the space-exceeded procedure can be played for real
const QUOTA = 3 * 1024 * 1024;
const plainSandbox = useSandbox(test, { name: 'etcdmod', quota: QUOTA });
const tlsSandbox = useSandbox(test, { name: 'etcdmodtls', tls: true, quota: QUOTA });

let plainHarness: Harness | undefined;
let tlsHarness: Harness | undefined;
const plain = () => (plainHarness ??= track(new Harness(plainSandbox(), { user: 'root', become: false })));
// the TLS cluster is used as a sudo user: the client key is root-only, so reading it needs become
const secure = () => (tlsHarness ??= track(new Harness(tlsSandbox(), { user: tlsSandbox().sudoUser, become: { user: 'root' } })));

function track(h: Harness): Harness {
  harnesses.push(h);
  return h;
}

type Flavour = { label: string; h: () => Harness };
const flavours: Flavour[] = [
  { label: 'plain', h: plain },
  { label: 'TLS', h: secure },
];

function ok(t: ExecutionContext, r: ModuleResult, what: string): void {
  t.falsy(r.failed, `${what} failed: ${r.msg}`);
}

async function leaderHost(h: Harness): Promise<string> {
  for (const host of ['node1', 'node2', 'node3']) {
    const r = await h.run('etcd_status', host);
    if (r.facts?.etcd_is_leader) return host;
  }
  throw new Error('no leader');
}

for (const { label, h } of flavours) {
  test.serial(`${label}: status, members and health of every member`, async (t) => {
    const status = await h().run('etcd_status', 'node1');
    ok(t, status, 'status');
    t.like(status.facts, { etcd_member_name: 'etcd1', etcd_version: '3.4.23', etcd_is_learner: false, etcd_alarms: [] });
    t.regex(String(status.facts!.etcd_member_id), /^[0-9a-f]{16}$/);
    t.true((status.facts!.etcd_revision as number) >= 1);

    const members = await h().run('etcd_members', 'node2');
    ok(t, members, 'members');
    const list = members.data!.members as Array<{ name: string; started: boolean; client_urls: string[] }>;
    t.deepEqual(list.map((m) => m.name).sort(), ['etcd1', 'etcd2', 'etcd3']);
    t.true(list.every((m) => m.started));
    // the id etcd_status reports is one of the listed ones
    t.true((members.data!.members as Array<{ id: string }>).some((m) => m.id === status.facts!.etcd_member_id));

    const one = await h().run('etcd_health', 'node3');
    ok(t, one, 'health');
    t.regex(one.msg!, /:2379 \(node3\) is healthy/);
    const all = await h().run('etcd_health', 'node1', { cluster: true });
    ok(t, all, 'cluster health');
    t.like(all.data, { healthy: true, quorum: 2, fault_tolerance: 1, healthy_voters: 3, has_quorum: true });
    t.deepEqual([...(all.data!.safe_to_stop as string[])].sort(), ['etcd1', 'etcd2', 'etcd3']);

    // every member agrees on one leader
    const leaders = new Set<unknown>();
    for (const host of ['node1', 'node2', 'node3']) leaders.add((await h().run('etcd_status', host)).facts!.etcd_leader_id);
    t.is(leaders.size, 1);
  });

  test.serial(`${label}: put and get through a member`, async (t) => {
    const put = await h().run('etcd_put', 'node1', { key: '/e2e/greeting', value: "it's alive; $(no)" });
    ok(t, put, 'put');
    t.true(put.changed);
    await h().run('etcd_put', 'node2', { key: '/e2e/other', value: '2' });

    const get = await h().run('etcd_get', 'node3', { key: '/e2e/greeting' });
    ok(t, get, 'get');
    t.is(get.data!.value, "it's alive; $(no)");
    const count = await h().run('etcd_get', 'node3', { key: '/e2e/', prefix: true, count_only: true });
    t.is(count.data!.count, 2);
    const keys = await h().run('etcd_get', 'node2', { key: '/e2e/', prefix: true, keys_only: true });
    t.deepEqual((keys.data!.kvs as Array<{ key: string }>).map((k) => k.key), ['/e2e/greeting', '/e2e/other']);
    // and what etcdctl sees on the host is the same
    const direct = await h().sb.etcdctl('node1', ['get', '/e2e/greeting', '--print-value-only']);
    t.is(direct.stdout.trim(), "it's alive; $(no)");
  });

  test.serial(`${label}: snapshot save to a host and to the controller, then snapshot status on each`, async (t) => {
    await h().run('etcd_put', 'node1', { key: '/e2e/snap', value: 'before-snapshot' });
    const dir = '/var/tmp/etcdmod-snaps';
    const toHost = await h().run('etcd_snapshot_save', 'node2', { dest: `${dir}/snap.db`, dest_host: 'node3' });
    ok(t, toHost, 'save to host');
    t.regex(toHost.msg!, /saved at node3:\/var\/tmp\/etcdmod-snaps\/snap\.db/);
    const sha = String(toHost.facts!.etcd_snapshot_sha256);
    // the sidecar verifies with the standard tool, on the host, without the code under test
    const check = await h().sb.hostExec('node3', `cd ${dir} && sha256sum -c snap.db.sha256 && stat -c %a snap.db && ls -A`);
    t.regex(check.stdout, /snap\.db: OK/);
    t.regex(check.stdout, /^600$/m);
    t.notRegex(check.stdout, /\.part/);

    const status = await h().run('etcd_snapshot_status', 'node3', { snapshot: `${dir}/snap.db` });
    ok(t, status, 'status on host');
    t.like(status.data, { integrity_hash_ok: true, sha256_file_ok: true, sha256: sha, tool: 'etcdctl' });
    t.true((status.data!.total_keys as number) >= 3);

    const local = await mkdtemp(path.join(tmpdir(), 'etcdmod-'));
    try {
      const toController = await h().run('etcd_snapshot_save', 'node1', { dest_dir: local, dest_host: 'localhost' });
      ok(t, toController, 'save to controller');
      const file = String(toController.facts!.etcd_snapshot_path);
      t.regex(path.basename(file), /^etcd-etcd-\d{8}T\d{6}Z-rev\d+\.db$/);
      const sum = await run('sha256sum', ['-c', `${path.basename(file)}.sha256`], { cwd: local });
      t.regex(sum.stdout, /: OK/);
      t.is((await readFile(`${file}.sha256`, 'utf8')).split(' ')[0], String(toController.facts!.etcd_snapshot_sha256));

      // status of a controller-side file runs on the controller (delegate_to: localhost)
      const controller = connectLocal(testSpec({ name: 'localhost', connection: 'local', address: '127.0.0.1', connectTimeoutMs: 5_000, keepaliveIntervalMs: 0 }));
      const onController = await h().run('etcd_snapshot_status', 'node1', { snapshot: file }, { transport: controller, become: false });
      ok(t, onController, 'status on controller');
      t.true((onController.data!.total_keys as number) >= 3);

      // a truncated copy is caught
      await run('sh', ['-c', `head -c 8000 '${file}' > '${local}/cut.db' && : > '${local}/empty.db'`]);
      const cut = await h().run('etcd_snapshot_status', 'node1', { snapshot: `${local}/cut.db` }, { transport: controller, become: false });
      t.true(cut.failed);
      t.regex(cut.msg!, /truncated/);
      const empty = await h().run('etcd_snapshot_status', 'node1', { snapshot: `${local}/empty.db` }, { transport: controller, become: false });
      t.true(empty.failed);
      t.regex(empty.msg!, /empty \(0 bytes\)/);
    } finally {
      await rm(local, { recursive: true, force: true });
    }
  });

  test.serial(`${label}: restore refuses a non-empty data dir, restores into an empty one`, async (t) => {
    const dir = '/var/tmp/etcdmod-restore';
    await h().sb.hostExec('node1', `rm -rf ${dir} && mkdir -p ${dir}/empty-data`);
    const saved = await h().run('etcd_snapshot_save', 'node1', { dest: `${dir}/snap.db` });
    ok(t, saved, 'save');

    // the live data dir (the inventory default) is refused, and nothing in it changes
    const before = await h().sb.hostExec('node1', 'ls -A /var/lib/etcd/default');
    const refused = await h().run('etcd_snapshot_restore', 'node1', { snapshot: `${dir}/snap.db` });
    t.true(refused.failed);
    t.regex(refused.msg!, /data dir \/var\/lib\/etcd\/default is not empty: refusing to restore over it\. Move it aside first \(mv \/var\/lib\/etcd\/default \/var\/lib\/etcd\/default\.pre-restore-e2erun\)/);
    t.is((await h().sb.hostExec('node1', 'ls -A /var/lib/etcd/default')).stdout, before.stdout);

    // an existing empty dir is accepted (etcdctl 3.4 itself would refuse it)
    const restored = await h().run('etcd_snapshot_restore', 'node1', {
      snapshot: `${dir}/snap.db`,
      sha256: saved.facts!.etcd_snapshot_sha256,
      data_dir: `${dir}/empty-data`,
      name: 'solo',
      initial_cluster: 'solo=http://127.0.0.1:23800',
      initial_advertise_peer_urls: 'http://127.0.0.1:23800',
    });
    ok(t, restored, 'restore');
    t.regex(restored.data!.command as string, /^ETCDCTL_API=3 \S*etcdctl snapshot restore /);
    const tree = await h().sb.hostExec('node1', `stat -c %a ${dir}/empty-data && ls ${dir}/empty-data/member && ls -A ${dir}`);
    t.regex(tree.stdout, /^700$/m);
    t.regex(tree.stdout, /snap/);
    t.notRegex(tree.stdout, /restore-tmp/);

    // the second time the dir is not empty
    const again = await h().run('etcd_snapshot_restore', 'node1', {
      snapshot: `${dir}/snap.db`,
      data_dir: `${dir}/empty-data`,
      name: 'solo',
      initial_cluster: 'solo=http://127.0.0.1:23800',
      initial_advertise_peer_urls: 'http://127.0.0.1:23800',
    });
    t.true(again.failed);
    t.regex(again.msg!, /is not empty/);

    // the restored data is a working one-member cluster with the data of the snapshot
    const probe = await h().sb.hostExec(
      'node1',
      [
        `etcd --name solo --data-dir ${dir}/empty-data --listen-client-urls http://127.0.0.1:23790 --advertise-client-urls http://127.0.0.1:23790` +
          ` --listen-peer-urls http://127.0.0.1:23800 --initial-advertise-peer-urls http://127.0.0.1:23800 --initial-cluster solo=http://127.0.0.1:23800 >${dir}/solo.log 2>&1 </dev/null &`,
        'pid=$!',
        'for i in $(seq 1 50); do out=$(ETCDCTL_API=3 etcdctl --endpoints=http://127.0.0.1:23790 get /e2e/greeting --print-value-only 2>/dev/null) && [ -n "$out" ] && break; sleep 0.2; done',
        'echo "value=$out"',
        'ETCDCTL_API=3 etcdctl --endpoints=http://127.0.0.1:23790 member list',
        'kill $pid; wait $pid 2>/dev/null; true',
      ].join('\n'),
      { timeoutMs: 60_000 },
    );
    t.regex(probe.stdout, /value=it's alive; \$\(no\)/);
    t.regex(probe.stdout, /started, solo, http:\/\/127\.0\.0\.1:23800/);
    await h().sb.hostExec('node1', `rm -rf ${dir}`);
  });

  test.serial(`${label}: compact, defrag a follower (the leader is refused), alarm list`, async (t) => {
    for (let i = 0; i < 20; i++) await h().run('etcd_put', 'node1', { key: '/e2e/churn', value: String(i) });
    const compact = await h().run('etcd_compact', 'node2', { physical: true });
    ok(t, compact, 'compact');
    t.true(compact.changed);
    const again = await h().run('etcd_compact', 'node2', { revision: compact.data!.revision });
    t.false(again.changed);
    t.falsy(again.failed);

    const leader = await leaderHost(h());
    const follower = ['node1', 'node2', 'node3'].find((x) => x !== leader)!;
    const refused = await h().run('etcd_defrag', leader);
    t.true(refused.failed);
    t.regex(refused.msg!, /refusing to defrag the leader/);
    const defrag = await h().run('etcd_defrag', follower);
    ok(t, defrag, 'defrag');
    t.regex(defrag.msg!, /Finished defragmenting etcd member\[/);
    t.true((defrag.data!.db_size_after as number) <= (defrag.data!.db_size_before as number));

    const alarms = await h().run('etcd_alarm', 'node3', { action: 'list' });
    ok(t, alarms, 'alarm list');
    t.deepEqual(alarms.facts!.etcd_alarms, []);
    const disarm = await h().run('etcd_alarm', 'node3', { action: 'disarm' });
    t.false(disarm.changed);
  });

  test.serial(`${label}: move leadership to a member, and away from the leader`, async (t) => {
    const first = await leaderHost(h());
    const target = first === 'node2' ? 'node3' : 'node2';
    const moved = await h().run('etcd_move_leader', 'node1', { to: target });
    ok(t, moved, 'move to');
    t.true(moved.changed);
    t.is(await leaderHost(h()), target);

    const same = await h().run('etcd_move_leader', 'node1', { to: target });
    t.false(same.changed);

    const notLeader = ['node1', 'node2', 'node3'].find((x) => x !== target)!;
    const noop = await h().run('etcd_move_leader', notLeader);
    t.false(noop.changed);
    t.regex(noop.msg!, /does not lead/);

    const away = await h().run('etcd_move_leader', target);
    ok(t, away, 'move away');
    t.true(away.changed);
    t.not(await leaderHost(h()), target);

    const healthy = await h().run('etcd_wait_healthy', 'node1', { timeout: 30 });
    ok(t, healthy, 'wait healthy');
  });

  test.serial(`${label}: a learner that never starts: add, promote refused, remove, remove again`, async (t) => {
    const ip = h().sb.host('node1').ip.replace(/\.\d+$/, '.99');
    const scheme = label === 'TLS' ? 'https' : 'http';
    const add = await h().run('etcd_member_add', 'node1', { name: 'ghost', peer_urls: `${scheme}://${ip}:2380`, learner: true });
    ok(t, add, 'member add');
    t.true(add.changed);
    const id = String(add.facts!.etcd_new_member_id);
    t.regex(id, /^[0-9a-f]{16}$/);
    t.deepEqual(
      String(add.facts!.etcd_new_member_initial_cluster).split(',').sort(),
      [...h().sb.cluster.etcd!.initialCluster.split(','), `ghost=${scheme}://${ip}:2380`].sort(),
    );
    t.is(add.facts!.etcd_new_member_initial_cluster_state, 'existing');
    t.regex(add.msg!, /ETCD_INITIAL_CLUSTER_STATE="existing"/);

    const addAgain = await h().run('etcd_member_add', 'node2', { name: 'ghost', peer_urls: `${scheme}://${ip}:2380`, learner: true });
    t.false(addAgain.changed);
    t.is(addAgain.facts!.etcd_new_member_id, id);

    const promote = await h().run('etcd_member_promote', 'node1', { peer_url: `${scheme}://${ip}:2380` });
    t.true(promote.failed);
    t.regex(promote.msg!, /has not started yet/);

    // the cluster is still healthy: a learner does not count towards quorum
    ok(t, await h().run('etcd_health', 'node2', { cluster: false }), 'health with a learner');

    const remove = await h().run('etcd_member_remove', 'node2', { id });
    ok(t, remove, 'member remove');
    t.true(remove.changed);
    const removeAgain = await h().run('etcd_member_remove', 'node2', { id });
    t.false(removeAgain.changed);
    t.regex(removeAgain.msg!, /nothing to remove/);
  });

  test.serial(`${label}: remove and re-add a member as a learner, promote it, wait until healthy`, async (t) => {
    const sb = h().sb;
    // hand leadership to etcd1 so the member leaving is a follower
    ok(t, await h().run('etcd_move_leader', 'node2', { to: 'node1' }), 'move leader');
    const peer = sb.host('node3').etcd!.peerUrl;

    const removed = await h().run('etcd_member_remove', 'node1', { name: 'etcd3' });
    ok(t, removed, 'remove');
    t.true(removed.changed);
    // the runbook's own steps on the member: stop etcd, move its data aside
    await sb.hostExec('node3', 'systemctl stop etcd || true; mv /var/lib/etcd/default /var/lib/etcd/default.pre-readd');

    const added = await h().run('etcd_member_add', 'node1', { name: 'etcd3', peer_urls: peer, learner: true });
    ok(t, added, 'add');
    const initialCluster = String(added.facts!.etcd_new_member_initial_cluster);
    t.is(initialCluster.split(',').sort().join(','), sb.cluster.etcd!.initialCluster.split(',').sort().join(','));

    await sb.hostExec(
      'node3',
      [
        `sed -i -e 's|^ETCD_INITIAL_CLUSTER=.*|ETCD_INITIAL_CLUSTER=${initialCluster}|' -e 's|^ETCD_INITIAL_CLUSTER_STATE=.*|ETCD_INITIAL_CLUSTER_STATE=existing|' /etc/etcd/etcd.conf`,
        'systemctl start etcd',
      ].join('\n'),
    );

    // the learner catches up, then the promote goes through
    const promoted = await eventuallyDefined('the learner to be promoted', async () => {
      const r = await h().run('etcd_member_promote', 'node1', { name: 'etcd3' });
      return r.failed ? undefined : r;
    }, 60_000);
    t.true(promoted.changed);

    const healthy = await h().run('etcd_wait_healthy', 'node2', { timeout: 60 });
    ok(t, healthy, 'wait healthy');
    const members = await h().run('etcd_members', 'node3');
    const list = members.data!.members as Array<{ name: string; is_learner: boolean; started: boolean }>;
    t.deepEqual(list.map((m) => `${m.name}:${m.is_learner}:${m.started}`).sort(), ['etcd1:false:true', 'etcd2:false:true', 'etcd3:false:true']);
    // the data written before is on the re-added member
    const get = await h().run('etcd_get', 'node3', { key: '/e2e/greeting', serializable: true });
    t.is(get.data!.value, "it's alive; $(no)");
  });

  test.serial(`${label}: wait_healthy and cluster health report a stopped member, then its return`, async (t) => {
    const sb = h().sb;
    const leader = await leaderHost(h());
    const victim = ['node1', 'node2', 'node3'].find((x) => x !== leader)!;
    const watcher = ['node1', 'node2', 'node3'].find((x) => x !== leader && x !== victim)!;
    await sb.hostExec(victim, 'systemctl stop etcd');
    try {
      const down = await h().run('etcd_health', watcher, { cluster: true, timeout: 3 });
      t.true(down.failed);
      t.like(down.data, { healthy: false, healthy_voters: 2, has_quorum: true });
      // with one member down, stopping another would lose quorum
      t.deepEqual(down.data!.safe_to_stop, []);
      const waited = await h().run('etcd_wait_healthy', watcher, { timeout: 120, interval: 1 });
      t.true(waited.failed);
      // a stopped unit with nothing to start it again is gone for good: the wait says so and
      // ends early instead of sitting out its timeout
      t.regex(waited.msg!, new RegExp(`etcd cannot become healthy: etcd on ${victim} is not running and will not start by itself`));
      // talking to the stopped member itself says why: the SSH channel to its port was refused
      const stopped = await h().run('etcd_status', victim, { timeout: 3 });
      t.true(stopped.failed);
      t.regex(stopped.msg!, new RegExp(`^${label === 'TLS' ? 'https' : 'http'}://\\S+:2379 \\(via ${victim}\\): .*forwarding: .*refused`, 'i'));
    } finally {
      await sb.hostExec(victim, 'systemctl start etcd');
    }
    const back = await h().run('etcd_wait_healthy', watcher, { timeout: 60 });
    ok(t, back, 'wait healthy after restart');
  });
}

for (const { label, h } of flavours) {
  test.serial(`${label}: quorum lost: status still answers and says there is no leader; health fails`, async (t) => {
    const sb = h().sb;
    await sb.hostExec('node2', 'systemctl stop etcd');
    await sb.hostExec('node3', 'systemctl stop etcd');
    try {
      const status = await eventuallyDefined('node1 to lose its leader', async () => {
        const r = await h().run('etcd_status', 'node1', { timeout: 3 });
        return !r.failed && r.facts!.etcd_leader_id === '' ? r : undefined;
      }, 60_000);
      t.regex(status.msg!, /no leader!.*alarms unknown/);
      t.is(status.facts!.etcd_member_name, 'etcd1');
      const health = await h().run('etcd_health', 'node1', { timeout: 2 });
      t.true(health.failed);
      t.regex(health.msg!, /is unhealthy/);
      // the member list falls back to the member's own copy, and a snapshot needs no leader
      const members = await h().run('etcd_members', 'node1', { timeout: 2 });
      ok(t, members, 'members without a leader');
      t.false(members.data!.linearizable);
      t.is((members.data!.members as unknown[]).length, 3);
      const saved = await h().run('etcd_snapshot_save', 'node1', { dest: '/var/tmp/etcdmod-noquorum/last.db' });
      ok(t, saved, 'snapshot without a leader');
    } finally {
      await sb.hostExec('node2', 'systemctl start etcd');
      await sb.hostExec('node3', 'systemctl start etcd');
    }
    ok(t, await h().run('etcd_wait_healthy', 'node1', { timeout: 60 }), 'healthy again');
  });
}

for (const { label, h } of flavours) {
  test.serial(`${label}: space exceeded: NOSPACE, compact, defrag followers then the old leader, disarm, writes work`, async (t) => {
    const big = 'x'.repeat(256 * 1024);
    let last: ModuleResult | undefined;
    for (let i = 0; i < 100; i++) {
      last = await h().run('etcd_put', 'node1', { key: '/e2e/fill', value: `${big}${i}` });
      if (last.failed) break;
    }
    t.true(last?.failed, 'the quota was never reached');
    t.regex(last!.msg!, /database space exceeded.*NOSPACE alarm is raised/);

    const listed = await h().run('etcd_alarm', 'node2');
    t.regex((listed.facts!.etcd_alarms as string[]).join(','), /alarm:NOSPACE/);
    t.true(((await h().run('etcd_status', 'node3')).facts!.etcd_alarms as string[]).length > 0);
    const sick = await h().run('etcd_health', 'node3');
    t.true(sick.failed);
    t.regex(sick.msg!, /active alarm\(s\): memberID:[0-9a-f]{16} alarm:NOSPACE/);
    // disarming before the space is back does not stick
    const compact = await h().run('etcd_compact', 'node1');
    ok(t, compact, 'compact');

    const leader = await leaderHost(h());
    for (const follower of ['node1', 'node2', 'node3'].filter((x) => x !== leader)) ok(t, await h().run('etcd_defrag', follower), `defrag ${follower}`);
    ok(t, await h().run('etcd_move_leader', leader), 'move leadership away');
    const defragOld = await h().run('etcd_defrag', leader);
    ok(t, defragOld, 'defrag the old leader');
    t.true((defragOld.data!.db_size_after as number) < QUOTA);

    const disarm = await h().run('etcd_alarm', 'node2', { action: 'disarm' });
    ok(t, disarm, 'disarm');
    t.true(disarm.changed);
    t.deepEqual(disarm.facts!.etcd_alarms, []);
    ok(t, await h().run('etcd_put', 'node3', { key: '/e2e/after-nospace', value: 'ok' }), 'a write after the fix');
    ok(t, await h().run('etcd_wait_healthy', 'node1', { timeout: 30 }), 'healthy again');
  });
}

test.serial('TLS: without become the client key cannot be read, and the message says why', async (t) => {
  const h = secure();
  await closeEtcdClients();
  const r = await h.run('etcd_status', 'node2', {}, { become: false });
  t.true(r.failed);
  // the files are read together: whichever fails first is reported
  t.regex(r.msg!, /^node2: cannot read the etcd .* \/etc\/etcd\/pki\/\S+: .*Permission denied \(run the task with become: true\)$/);
});

test.serial('check mode changes nothing', async (t) => {
  const h = plain();
  const before = await h.run('etcd_members', 'node1');
  const check = { check: true };
  const add = await h.run('etcd_member_add', 'node1', { name: 'never', peer_urls: 'http://10.250.0.250:2380' }, check);
  t.true(add.changed);
  t.regex(add.msg!, /^would add never/);
  const put = await h.run('etcd_put', 'node1', { key: '/e2e/check', value: 'x' }, check);
  t.regex(put.msg!, /^would put/);
  const save = await h.run('etcd_snapshot_save', 'node1', { dest: '/var/tmp/never/snap.db' }, check);
  t.regex(save.msg!, /^would save/);
  const after = await h.run('etcd_members', 'node1');
  t.deepEqual(after.data!.members, before.data!.members);
  t.is((await h.run('etcd_get', 'node1', { key: '/e2e/check' })).data!.count, 0);
  t.is((await h.sb.hostExec('node1', 'ls /var/tmp/never 2>&1 || true')).stdout.includes('No such file'), true);
});
