import test from 'ava';
import { etcdSnapshotStatus } from '../../../src/etcd/modules/etcd-snapshot-status.js';
import { fakeContext, goodSnapshotProbe, ScriptedTransport, versionProbeOutput } from './fake-host.js';

const inv = { hosts: { node1: {} } };
const versions34 = [/^export ETCDCTL_API=3\nprobe\(\)/, { stdout: versionProbeOutput({ etcdctl: '3.4.23' }) }] as const;

test('reads hash, revision, keys and size with the host\'s tool', async (t) => {
  const h = new ScriptedTransport('node1', [
    [/^f=/, { stdout: goodSnapshotProbe('d'.repeat(64)) }],
    [...versions34],
    [/snapshot status/, { stdout: '{"hash":1500982633,"revision":3,"totalKey":6,"totalSize":24608}\n' }],
  ]);
  const r = await etcdSnapshotStatus.run(fakeContext(h, inv), { snapshot: '/backups/s.db' });
  t.falsy(r.failed, r.msg);
  t.like(r.data, { hash: 1500982633, revision: 3, total_keys: 6, total_size: 24608, sha256: 'd'.repeat(64), integrity_hash_ok: true, tool: 'etcdctl' });
  t.deepEqual(h.matching(/snapshot status/), ['ETCDCTL_API=3 /usr/local/bin/etcdctl snapshot status /backups/s.db --write-out=json']);
});

test('an empty file fails with a clear message, without running the tool', async (t) => {
  const h = new ScriptedTransport('node1', [[/^f=/, { stdout: 'size=0\nstate=empty\n' }]]);
  const r = await etcdSnapshotStatus.run(fakeContext(h, inv), { snapshot: '/backups/s.db' });
  t.true(r.failed);
  t.is(r.msg, 'node1: snapshot /backups/s.db is empty (0 bytes): the save did not finish or the copy failed');
  t.deepEqual(h.matching(/snapshot status/), []);
});

test('a file the tool cannot read fails with the tool\'s reason', async (t) => {
  const h = new ScriptedTransport('node1', [
    [/^f=/, { stdout: `size=${4096 * 2}\nstate=ok\nsha256=x\n` }],
    [...versions34],
    [/snapshot status/, { exitCode: 1, stderr: 'Error: invalid database\n' }],
  ]);
  const r = await etcdSnapshotStatus.run(fakeContext(h, inv), { snapshot: '/backups/s.db' });
  t.true(r.failed);
  t.is(r.msg, 'node1: /backups/s.db is not a readable etcd snapshot: Error: invalid database');
});
