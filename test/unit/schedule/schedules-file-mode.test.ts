/**
 * The schedules file holds -e values (secrets among them): `schedule add` and `remove` create it
 * 0600 and keep the mode and owner of an existing one.
 */
import { chmodSync, chownSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { addJobToFile, removeJobFromFile } from '../../../src/schedule/schedules-file.js';

const job = (name: string) => ({ name, playbook: 'playbooks/etcd-backup.yaml', inventory: 'inventory/prod.yaml', cron: '0 * * * *', extra_vars: { db_password: 'hunter2' } });

test('a new schedules file is created 0600', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'sched-mode-')), 'schedules.yaml');
  await addJobToFile(file, job('a'));
  t.is(statSync(file).mode & 0o777, 0o600);
});

test('add and remove keep the mode and owner of an existing schedules file', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'sched-mode-')), 'schedules.yaml');
  writeFileSync(file, 'jobs: []\n');
  chmodSync(file, 0o640);
  const owner = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
  if (owner) chownSync(file, owner.uid, owner.gid);
  await addJobToFile(file, job('a'));
  await addJobToFile(file, job('b'));
  await removeJobFromFile(file, 'a');
  const st = statSync(file);
  t.is(st.mode & 0o777, 0o640);
  if (owner) t.deepEqual({ uid: st.uid, gid: st.gid }, owner);
});
