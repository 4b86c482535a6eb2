import test from 'ava';
import { mkdtempSync, readFileSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileLockBackend } from '../../../src/schedule/file-lock.js';
import { acquireLock, LockHeldError, LOCK_HELD_EXIT_CODE, type LockHolder } from '../../../src/schedule/lock.js';
import { runLockName } from '../../../src/schedule/lock-name.js';

const dir = () => mkdtempSync(join(tmpdir(), 'locks-'));
const holder = (pid: number, extra: Partial<LockHolder> = {}): LockHolder => ({ user: 'alice', host: 'ctl1', pid, since: '2026-11-22T10:15:02.000Z', ...extra });

test('the second acquirer is refused with who holds the lock and since when', async (t) => {
  const backend = new FileLockBackend({ dir: dir(), hostname: 'ctl1', isAlive: () => true });
  const first = await acquireLock(backend, 'prod--etcd', holder(100, { runId: '20261122T101502Z-3f9a' }));
  const err = await t.throwsAsync(acquireLock(backend, 'prod--etcd', holder(200)), { instanceOf: LockHeldError });
  t.is(err!.exitCode, LOCK_HELD_EXIT_CODE);
  t.is(err!.holder?.pid, 100);
  t.regex(err!.message, /another run holds the lock prod--etcd \(lock file .*prod--etcd\.lock\): alice@ctl1 pid 100, run 20261122T101502Z-3f9a, since 2026-11-22 10:15:02Z/);
  t.regex(err!.message, /nothing was changed/);
  await first.release();
  const again = await acquireLock(backend, 'prod--etcd', holder(200));
  t.is(again.holder.pid, 200);
});

test('a waiting acquirer gets the lock when the holder releases it, and is told it waits once', async (t) => {
  const backend = new FileLockBackend({ dir: dir(), hostname: 'ctl1', isAlive: () => true });
  const first = await acquireLock(backend, 'l', holder(100));
  const waits: (LockHolder | undefined)[] = [];
  const second = acquireLock(backend, 'l', holder(200), { waitMs: 5000, pollMs: 20, onWait: (h) => waits.push(h) });
  while (waits.length === 0) await new Promise((r) => setTimeout(r, 5));
  await first.release();
  const lock = await second;
  t.is(lock.holder.pid, 200);
  t.is(waits.length, 1);
  t.is(waits[0]?.pid, 100);
});

test('a waiting acquirer gives up after --lock-wait with the holder in the error', async (t) => {
  const backend = new FileLockBackend({ dir: dir(), hostname: 'ctl1', isAlive: () => true });
  await acquireLock(backend, 'l', holder(100));
  const started = Date.now();
  const err = await t.throwsAsync(acquireLock(backend, 'l', holder(200), { waitMs: 300, pollMs: 50 }), { instanceOf: LockHeldError });
  t.true(Date.now() - started >= 300);
  t.regex(err!.message, /after waiting 0\.\ds: alice@ctl1 pid 100/);
});

test('a lock whose holder is dead on this host is taken over, with a warning', async (t) => {
  const d = dir();
  const stale: (LockHolder | undefined)[] = [];
  const dead = new Set([100]);
  const backend = new FileLockBackend({ dir: d, hostname: 'ctl1', isAlive: (pid) => !dead.has(pid), onStale: (prev) => stale.push(prev) });
  await acquireLock(backend, 'l', holder(100));
  const lock = await acquireLock(backend, 'l', holder(200));
  t.is(lock.holder.pid, 200);
  t.is(stale[0]?.pid, 100);
  t.is(JSON.parse(readFileSync(join(d, 'l.lock'), 'utf8')).pid, 200);
  t.false(existsSync(join(d, 'l.lock.takeover')));
});

test('a lock held from another host is never taken over: only that host knows if its holder lives', async (t) => {
  const d = dir();
  writeFileSync(join(d, 'l.lock'), JSON.stringify(holder(100, { host: 'ctl2' })));
  const backend = new FileLockBackend({ dir: d, hostname: 'ctl1', isAlive: () => false });
  const err = await t.throwsAsync(acquireLock(backend, 'l', holder(200)), { instanceOf: LockHeldError });
  t.regex(err!.message, /alice@ctl2 pid 100/);
});

test('an empty lock file is being written when young, and stale when old', async (t) => {
  const d = dir();
  const path = join(d, 'l.lock');
  writeFileSync(path, '');
  const backend = new FileLockBackend({ dir: d, hostname: 'ctl1', isAlive: () => true });
  const err = await t.throwsAsync(acquireLock(backend, 'l', holder(200)), { instanceOf: LockHeldError });
  t.regex(err!.message, /the lock file is being written/);
  const old = new Date(Date.now() - 60_000);
  utimesSync(path, old, old);
  const lock = await acquireLock(backend, 'l', holder(200));
  t.is(lock.holder.pid, 200);
});

test('many acquirers at once: exactly one wins, also when taking over a stale lock', async (t) => {
  for (const staleFirst of [false, true]) {
    const d = dir();
    if (staleFirst) writeFileSync(join(d, 'l.lock'), JSON.stringify(holder(1)));
    const backend = new FileLockBackend({ dir: d, hostname: 'ctl1', isAlive: (pid) => pid !== 1 });
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => acquireLock(backend, 'l', holder(1000 + i))));
    t.is(results.filter((r) => r.status === 'fulfilled').length, 1, staleFirst ? 'stale' : 'free');
  }
});

test('the holder is updated with the run id, and release leaves no file', async (t) => {
  const d = dir();
  const backend = new FileLockBackend({ dir: d });
  const lock = await acquireLock(backend, 'l', holder(process.pid, { host: (await import('node:os')).hostname() }));
  await lock.update({ runId: 'r-1' });
  t.is(JSON.parse(readFileSync(join(d, 'l.lock'), 'utf8')).runId, 'r-1');
  await lock.release();
  t.false(existsSync(join(d, 'l.lock')));
});

test('a real dead pid on this host counts as stale (default liveness check)', async (t) => {
  const d = dir();
  const { hostname } = await import('node:os');
  const { spawnSync } = await import('node:child_process');
  const gone = spawnSync('true').pid!;
  writeFileSync(join(d, 'l.lock'), JSON.stringify(holder(gone, { host: hostname() })));
  const lock = await acquireLock(new FileLockBackend({ dir: d }), 'l', holder(process.pid, { host: hostname() }));
  t.is(lock.holder.pid, process.pid);
  await lock.release();
});

test('lock names: inventory base names and play targets, the same on every machine', (t) => {
  t.is(runLockName(['/home/a/ops/inventory/prod.yaml'], ['etcd']), 'prod--etcd');
  t.is(runLockName(['/srv/checkout/inventory/prod.yaml'], ['etcd', 'etcd']), 'prod--etcd');
  t.is(runLockName(['inv/prod.ini', 'inv/extra.yml'], ['etcd:!node3', 'control_plane']), 'extra+prod--control_plane+etcd_node3');
  t.is(runLockName(['inventory/'], ['all']), 'inventory--all');
  const long = runLockName(['prod.yaml'], ['x'.repeat(200)]);
  t.is(long.length, 96);
  t.not(long, runLockName(['prod.yaml'], [`${'x'.repeat(199)}y`]));
});

test('two clusters whose inventories share a file name get different locks; the same cluster gets the same one', (t) => {
  const a = runLockName(['/x/inventory.yaml'], ['etcd'], ['10.0.0.1:22', '10.0.0.2:22']);
  const sameCluster = runLockName(['/elsewhere/inventory.yaml'], ['etcd'], ['10.0.0.2:22', '10.0.0.1:22']);
  const other = runLockName(['/y/inventory.yaml'], ['etcd'], ['10.0.1.1:22', '10.0.1.2:22']);
  t.is(a, sameCluster);
  t.not(a, other);
  t.regex(a, /^inventory--etcd@[0-9a-f]{8}$/);
});
