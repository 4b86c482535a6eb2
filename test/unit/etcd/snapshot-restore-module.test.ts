import test from 'ava';
import { etcdSnapshotRestore } from '../../../src/etcd/modules/etcd-snapshot-restore.js';
import { fakeContext, goodSnapshotProbe, ScriptedTransport, versionProbeOutput, type Rule } from './fake-host.js';

const inventory = {
  hosts: {
    node1: { ansible_host: '10.250.1.11', etcd_name: 'etcd1', etcd_peer_url: 'http://10.250.1.11:2380', etcd_data_dir: '/var/lib/etcd/default' },
    node2: { ansible_host: '10.250.1.12', etcd_name: 'etcd2', etcd_peer_url: 'http://10.250.1.12:2380' },
    node3: { ansible_host: '10.250.1.13', etcd_name: 'etcd3', etcd_peer_url: 'http://10.250.1.13:2380' },
  },
};

function host(rules: Rule[], versions: Parameters<typeof versionProbeOutput>[0] = { etcd: '3.4.23', etcdctl: '3.4.23' }) {
  // the test's own rules first: the first match answers
  return new ScriptedTransport('node1', [
    ...rules,
    [/^f=/, { stdout: goodSnapshotProbe() }],
    [/^dirstate\(\)/, { stdout: 'data_dir=absent\ndata_stage=absent\nsnapshot=ok\nowner=etcd:etcd\n' }],
    [/^export ETCDCTL_API=3\nprobe\(\)/, { stdout: versionProbeOutput(versions) }],
  ]);
}

const run = (t: ScriptedTransport, args: Record<string, unknown>, opts?: Parameters<typeof fakeContext>[2]) =>
  etcdSnapshotRestore.run(fakeContext(t, inventory, opts), etcdSnapshotRestore.schema.parse({ snapshot: '/tmp/snap.db', ...args }));

test('3.4: etcdctl restore with initial-cluster built from the inventory, then moved into place', async (t) => {
  const h = host([]);
  const r = await run(h, {});
  t.falsy(r.failed, r.msg);
  t.true(r.changed);
  const restore = h.matching(/snapshot restore/);
  t.deepEqual(restore, [
    'ETCDCTL_API=3 /usr/local/bin/etcdctl snapshot restore /tmp/snap.db --name=etcd1 ' +
      '--initial-cluster=etcd1=http://10.250.1.11:2380,etcd2=http://10.250.1.12:2380,etcd3=http://10.250.1.13:2380 ' +
      '--initial-cluster-token=etcd-restore-run42 --initial-advertise-peer-urls=http://10.250.1.11:2380 ' +
      '--data-dir=/var/lib/etcd/default.restore-tmp-run42',
  ]);
  const finish = h.matching(/^set -e/);
  t.is(finish.length, 1);
  t.true(finish[0]!.includes('mv /var/lib/etcd/default.restore-tmp-run42 /var/lib/etcd/default'));
  t.true(finish[0]!.includes('chown -R etcd:etcd /var/lib/etcd/default'));
  // every command ran with the task's become
  t.true(h.execOptions.every((o) => o.become !== false && o.become !== undefined));
});

test('3.5: etcdutl with bump-revision after checking the flag exists', async (t) => {
  const h = host([], { etcd: '3.5.16', etcdctl: '3.5.16', etcdutl: '3.5.16' });
  const r = await run(h, { bump_revision: 1000000000, mark_compacted: true, initial_cluster_token: 'tok-2' });
  t.falsy(r.failed, r.msg);
  t.is(h.matching(/--help/).length, 1);
  const [cmd] = h.matching(/snapshot restore \/tmp/);
  t.regex(cmd!, /^\/usr\/local\/bin\/etcdutl snapshot restore .* --initial-cluster-token=tok-2 .* --bump-revision=1000000000 --mark-compacted$/);
});

test('refuses a non-empty data dir and runs nothing that writes', async (t) => {
  const h = host([[/^dirstate\(\)/, { stdout: 'data_dir=nonempty\ndata_stage=absent\nsnapshot=ok\n' }]]);
  const r = await run(h, {});
  t.true(r.failed);
  t.false(r.changed);
  t.regex(r.msg!, /data dir \/var\/lib\/etcd\/default is not empty: refusing to restore over it/);
  t.deepEqual(h.matching(/snapshot restore|^set -e|rm -rf/), []);
});

test('check mode plans the command and changes nothing', async (t) => {
  const h = host([]);
  const r = await run(h, {}, { check: true });
  t.true(r.changed);
  t.regex(r.msg!, /^would run: ETCDCTL_API=3 .*snapshot restore/);
  t.deepEqual(h.matching(/snapshot restore|^set -e/), []);
});

test('a failed restore removes its staging dir and nothing else', async (t) => {
  const h = host([[/snapshot restore/, { exitCode: 1, stderr: 'Error: snapshot missing hash but --skip-hash-check=false' }]]);
  const r = await run(h, {});
  t.true(r.failed);
  t.regex(r.msg!, /restore failed: Error: snapshot missing hash/);
  t.deepEqual(h.matching(/rm -rf/), ['rm -rf -- /var/lib/etcd/default.restore-tmp-run42']);
  t.deepEqual(h.matching(/^set -e/), []);
});

test('the sha256 of the copy must be the expected one', async (t) => {
  const h = host([]);
  const r = await run(h, { sha256: 'c'.repeat(64) });
  t.true(r.failed);
  t.regex(r.msg!, /not the same snapshot as the other members/);
});

test('skip_hash_check: needed for a raw db copy, refused for a saved snapshot', async (t) => {
  const raw = host([[/^f=/, { stdout: `size=${4096 * 4}\nstate=ok\nsha256=${'a'.repeat(64)}\nbody_sha256=x\ntail=y\n` }]]);
  t.regex((await run(raw, {})).msg!, /skip_hash_check: true/);
  const rawOk = host([[/^f=/, { stdout: `size=${4096 * 4}\nstate=ok\nsha256=${'a'.repeat(64)}\nbody_sha256=x\ntail=y\n` }]]);
  const r = await run(rawOk, { skip_hash_check: true });
  t.falsy(r.failed, r.msg);
  t.true(rawOk.matching(/snapshot restore/)[0]!.endsWith('--skip-hash-check'));
  const saved = host([]);
  t.regex((await run(saved, { skip_hash_check: true })).msg!, /without skip_hash_check/);
});

test('a cut-off copy (neither a saved snapshot nor whole db pages) is refused before anything else', async (t) => {
  const h = host([[/^f=/, { stdout: `size=${4096 + 100}\nstate=ok\nsha256=x\n` }]]);
  const r = await run(h, {});
  t.true(r.failed);
  t.regex(r.msg!, /is truncated/);
  t.deepEqual(h.matching(/^dirstate|snapshot restore/), []);
});

test("the probe reads the file once, for the expected sha256, and leaves etcd's appended hash to snapshot restore", async (t) => {
  const withSha = host([]);
  await run(withSha, { sha256: 'c'.repeat(64) });
  const probe = withSha.matching(/^f=/)[0]!;
  t.regex(probe, /^{ w=.* && echo sha256=.*; } &$/m);
  t.notRegex(probe, /head -c|body_sha256/, 'no second read for the body hash: etcd checks it while restoring');

  // no expected sha256: the whole file is hashed only when a FILE.sha256 is there to compare with
  const without = host([]);
  await run(without, {});
  t.regex(without.matching(/^f=/)[0]!, /if \[ -f "\$f\.sha256" \]; then w=\$\(.*\) && echo sha256=/);
  // and the restore itself is left to verify the appended hash (no --skip-hash-check)
  t.false(without.matching(/snapshot restore/)[0]!.includes('--skip-hash-check'));
});

test('an explicit initial_cluster that leaves this member out is refused', async (t) => {
  const h = host([]);
  const r = await run(h, { initial_cluster: 'etcd2=http://10.250.1.12:2380,etcd3=http://10.250.1.13:2380' });
  t.true(r.failed);
  t.regex(r.msg!, /etcd1 is not in initial_cluster/);
});

test('the members can be another group', async (t) => {
  const h = host([]);
  const ctx = fakeContext(h, { hosts: inventory.hosts, groups: { etcd: ['node1', 'node2', 'node3'], dr: ['node1', 'node2'] } });
  const r = await etcdSnapshotRestore.run(ctx, etcdSnapshotRestore.schema.parse({ snapshot: '/tmp/snap.db', members: 'dr' }));
  t.falsy(r.failed, r.msg);
  t.regex(h.matching(/snapshot restore/)[0]!, /--initial-cluster=etcd1=http:\/\/10\.250\.1\.11:2380,etcd2=http:\/\/10\.250\.1\.12:2380 /);
});

test('schema: mark_compacted needs bump_revision; unknown keys are refused', (t) => {
  t.false(etcdSnapshotRestore.schema.safeParse({ snapshot: '/s', mark_compacted: true }).success);
  t.false(etcdSnapshotRestore.schema.safeParse({ snapshot: '/s', data_dri: '/x' }).success);
});
