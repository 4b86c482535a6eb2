import test from 'ava';
import { hasAppendedHash, integrityProbeCommand, parseIntegrityProbe, parseSnapshotStatus, snapshotStatusCommand } from '../../../src/etcd/snapshot-check.js';

test('the probe quotes the file', (t) => {
  t.true(integrityProbeCommand("/backups/it's.db").startsWith(`f='/backups/it'"'"'s.db'`));
});

test('a saved snapshot whose appended hash matches is fine', (t) => {
  const r = parseIntegrityProbe('/s.db', `size=${4096 * 6 + 32}\nstate=ok\nsha256=${'1'.repeat(64)}\nbody_sha256=${'f'.repeat(64)}\ntail=${'f'.repeat(64)}\n`);
  t.like(r, { hasHash: true, hashOk: true, problem: undefined, size: 4096 * 6 + 32 });
});

test('a truncated snapshot is caught by its appended hash', (t) => {
  const r = parseIntegrityProbe('/s.db', `size=${4096 * 3 + 32}\nstate=ok\nsha256=x\nbody_sha256=${'a'.repeat(64)}\ntail=${'b'.repeat(64)}\n`);
  t.false(r.hashOk);
  t.regex(r.problem!, /truncated or corrupt/);
});

test('a file cut at an odd size is truncated', (t) => {
  t.regex(parseIntegrityProbe('/s.db', 'size=10000\nstate=ok\nsha256=x\n').problem!, /truncated/);
});

test('a raw db copy has no hash and is not a problem by itself', (t) => {
  const r = parseIntegrityProbe('/db', `size=${4096 * 4}\nstate=ok\nsha256=x\nbody_sha256=y\ntail=z\n`);
  t.false(r.hasHash);
  t.is(r.hashOk, undefined);
  t.is(r.problem, undefined);
});

test('missing, empty, not a file', (t) => {
  t.regex(parseIntegrityProbe('/s.db', 'state=missing\n').problem!, /does not exist/);
  t.regex(parseIntegrityProbe('/s.db', 'size=0\nstate=empty\n').problem!, /is empty \(0 bytes\)/);
  t.regex(parseIntegrityProbe('/s.db', 'state=notfile\n').problem!, /not a regular file/);
  t.regex(parseIntegrityProbe('/s.db', '').problem!, /could not inspect/);
});

test('FILE.sha256 is compared when present', (t) => {
  const ok = parseIntegrityProbe('/s.db', `size=${4096 + 32}\nstate=ok\nsha256=abc\nbody_sha256=d\ntail=d\nsidecar=abc\n`);
  t.true(ok.sidecarOk);
  const bad = parseIntegrityProbe('/s.db', `size=${4096 + 32}\nstate=ok\nsha256=abc\nbody_sha256=d\ntail=d\nsidecar=abd\n`);
  t.false(bad.sidecarOk);
  t.regex(bad.problem!, /does not match \/s\.db\.sha256/);
});

test('hasAppendedHash follows etcd: size % 512 == 32', (t) => {
  t.true(hasAppendedHash(4096 * 10 + 32));
  t.false(hasAppendedHash(4096 * 10));
});

test('status command per tool', (t) => {
  t.is(snapshotStatusCommand({ kind: 'etcdutl', path: 'etcdutl', version: '3.5.9' }, '/s.db'), 'etcdutl snapshot status /s.db --write-out=json');
  t.is(snapshotStatusCommand({ kind: 'etcdctl', path: 'etcdctl', version: '3.4.23' }, '/s.db'), 'ETCDCTL_API=3 etcdctl snapshot status /s.db --write-out=json');
});

test('parses snapshot status JSON among warnings', (t) => {
  const out = 'Deprecated: Use `etcdutl snapshot status` instead.\n\n{"hash":1500982633,"revision":3,"totalKey":6,"totalSize":24608}\n';
  t.deepEqual(parseSnapshotStatus(out), { hash: 1500982633, revision: 3, totalKey: 6, totalSize: 24608 });
  t.is(parseSnapshotStatus('{"hash":1,"revision":2,"totalKey":3,"totalSize":4,"version":"3.5.0"}').version, '3.5.0');
  t.throws(() => parseSnapshotStatus('Error: invalid database'), { message: /unexpected snapshot status output/ });
});
