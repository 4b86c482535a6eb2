import test from 'ava';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultLocksDir, ensureLockDir, UnsafeLockDirError } from '../../../src/schedule/lock-dir.js';
import { hostLockName } from '../../../src/schedule/run-lock.js';

test('the default lock directory is the machine\'s, never relative to the working directory', (t) => {
  t.is(defaultLocksDir({ env: {}, uid: 0, exists: () => true }), '/run/lock/runbook');
  t.is(defaultLocksDir({ env: {}, uid: 0, exists: () => false }), '/var/lock/runbook');
  t.is(defaultLocksDir({ env: { XDG_RUNTIME_DIR: '/run/user/1000' }, uid: 1000 }), '/run/user/1000/runbook/locks');
  t.is(defaultLocksDir({ env: {}, uid: 1000, home: () => '/home/alice' }), '/home/alice/.runbook/locks');
  t.is(defaultLocksDir({ env: { RUNBOOK_LOCKS_DIR: '/srv/locks' }, uid: 0 }), '/srv/locks');
});

test('a lock directory is created private, and one that others could write into is refused', (t) => {
  const base = mkdtempSync(join(tmpdir(), 'lockdir-'));
  const uid = process.getuid!();
  const fresh = join(base, 'a', 'locks');
  ensureLockDir(fresh, uid);
  t.notThrows(() => ensureLockDir(fresh, uid));

  const open = join(base, 'open');
  mkdirSync(open);
  chmodSync(open, 0o1777);
  t.throws(() => ensureLockDir(open, uid), { instanceOf: UnsafeLockDirError, message: /writable by other users \(mode 1777\)/ });

  const link = join(base, 'link');
  symlinkSync(fresh, link);
  t.throws(() => ensureLockDir(link, uid), { instanceOf: UnsafeLockDirError, message: /not a directory \(a symlink\?\)/ });

  if (uid === 0) {
    const theirs = join(base, 'theirs');
    mkdirSync(theirs, { mode: 0o700 });
    chownSync(theirs, 4242, 4242);
    t.throws(() => ensureLockDir(theirs, uid), { instanceOf: UnsafeLockDirError, message: /belongs to uid 4242/ });
  } else t.throws(() => ensureLockDir(tmpdir() === '/tmp' ? base : fresh, uid + 1), { instanceOf: UnsafeLockDirError, message: /belongs to uid/ });
});

test('one lock name per host address', (t) => {
  t.is(hostLockName('10.0.0.11:22'), 'host-10.0.0.11_22');
  t.is(hostLockName('etcd-1.prod.example:2222'), 'host-etcd-1.prod.example_2222');
  t.is(hostLockName('[fe80::1]:22'), 'host-_fe80_1__22');
});
