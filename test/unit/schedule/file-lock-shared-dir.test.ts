/**
 * A locks dir that other users can write: the holder's update must never write through a
 * symlink planted at a name it could be expected to use.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { FileLockBackend } from '../../../src/schedule/file-lock.js';
import { acquireLock } from '../../../src/schedule/lock.js';

test('updating the holder never follows a symlink planted in the locks dir', async (t) => {
  const d = mkdtempSync(join(tmpdir(), 'locks-shared-'));
  const victim = join(mkdtempSync(join(tmpdir(), 'locks-victim-')), 'important');
  writeFileSync(victim, 'keep me\n', { mode: 0o600 });
  // the names a holder could predictably use for its temp file
  for (const name of [`l.lock.${process.pid}.tmp`, 'l.lock.tmp', 'l.lock.update']) symlinkSync(victim, join(d, name));

  const lock = await acquireLock(new FileLockBackend({ dir: d }), 'l', { user: 'alice', host: hostname(), pid: process.pid, since: new Date().toISOString() });
  await lock.update({ runId: 'r-1' });
  t.is(JSON.parse(readFileSync(join(d, 'l.lock'), 'utf8')).runId, 'r-1');
  t.is(readFileSync(victim, 'utf8'), 'keep me\n');
  t.is(statSync(victim).mode & 0o777, 0o600);
  await lock.release();
  t.deepEqual(readdirSync(d).sort(), ['l.lock.tmp', `l.lock.${process.pid}.tmp`, 'l.lock.update'].sort(), 'no temp file left behind');
});
