import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { fetch } from '../../../src/modules/fetch.js';
import { FakeTransport } from '../../helpers/fake-transport.js';
import { ABSENT, sha, statOutput } from './support/host-state.js';
import { localTransport, moduleContext, parseArgs, tempDir } from './support/context.js';

const SRC = '/etc/etcd/etcd.conf';
const CONTENT = 'name: etcd1\n';

function host(content: string | undefined): FakeTransport {
  return new FakeTransport({ host: 'node1', files: content === undefined ? {} : { [SRC]: content } }).on(/^if test -e/, {
    stdout: content === undefined ? ABSENT : statOutput({ content }),
  });
}

test('fetch: Ansible layout dest/<host>/<path>, sha256 checked', async (t) => {
  const dir = await tempDir(t);
  const fake = host(CONTENT);
  const r = await fetch.run(moduleContext(fake, { vars: { playbook_dir: dir } }), parseArgs(fetch.schema, { src: SRC, dest: 'backups' }));
  const dest = join(dir, 'backups', 'node1', 'etc', 'etcd', 'etcd.conf');
  t.is(await readFile(dest, 'utf8'), CONTENT);
  t.deepEqual(fake.commands, [
    `if test -e /etc/etcd/etcd.conf; then stat -L -c '%F|%a|%U|%G|%u|%g|%s' -- /etc/etcd/etcd.conf && { test ! -f /etc/etcd/etcd.conf || sha256sum < /etc/etcd/etcd.conf; }; else echo absent; umask; fi`,
  ]);
  t.like(r, { changed: true, data: { dest, checksum: sha(CONTENT), remote_checksum: sha(CONTENT), size: CONTENT.length } });
  t.deepEqual(await readdir(join(dir, 'backups', 'node1', 'etc', 'etcd')), ['etcd.conf'], 'no temp file left');
});

test('fetch: unchanged when the controller copy matches', async (t) => {
  const dir = await tempDir(t);
  const fake = host(CONTENT);
  const ctx = moduleContext(fake, { vars: { playbook_dir: dir } });
  await fetch.run(ctx, parseArgs(fetch.schema, { src: SRC, dest: dir, flat: true }));
  const again = await fetch.run(ctx, parseArgs(fetch.schema, { src: SRC, dest: dir, flat: true }));
  t.like(again, { changed: false, data: { dest: join(dir, 'etcd.conf') } });
  t.is(fake.gets.length, 1);
});

test('fetch: flat to a file name; default dest is the run directory', async (t) => {
  const dir = await tempDir(t);
  const r = await fetch.run(moduleContext(host(CONTENT), { vars: { playbook_dir: dir } }), parseArgs(fetch.schema, { src: SRC, dest: 'node1.conf', flat: true }));
  t.is(r.data.dest, join(dir, 'node1.conf'));
  const runDir = await tempDir(t);
  const d = await fetch.run(moduleContext(host(CONTENT), { runDir }), parseArgs(fetch.schema, { src: SRC }));
  t.is(d.data.dest, join(runDir, 'fetch', 'node1', 'etc', 'etcd', 'etcd.conf'));
});

test('fetch: a checksum mismatch (file changed while read) fails and leaves nothing', async (t) => {
  const dir = await tempDir(t);
  const fake = host(CONTENT);
  fake.files.set(SRC, Buffer.from('changed meanwhile\n'));
  await t.throwsAsync(fetch.run(moduleContext(fake, { vars: { playbook_dir: dir } }), parseArgs(fetch.schema, { src: SRC, dest: dir, flat: true })), {
    message: /sha256 of the fetched/,
  });
  t.deepEqual(await readdir(dir), []);
});

test('fetch: missing source fails, or not with fail_on_missing: false', async (t) => {
  const runDir = await tempDir(t);
  t.like(await fetch.run(moduleContext(host(undefined), { runDir }), parseArgs(fetch.schema, { src: SRC })), { failed: true });
  const soft = await fetch.run(moduleContext(host(undefined), { runDir }), parseArgs(fetch.schema, { src: SRC, fail_on_missing: false }));
  t.falsy(soft.failed);
});

test('fetch: check mode reads nothing', async (t) => {
  const runDir = await tempDir(t);
  const fake = host(CONTENT);
  const r = await fetch.run(moduleContext(fake, { runDir, check: true }), parseArgs(fetch.schema, { src: SRC }));
  t.like(r, { changed: true });
  t.is(fake.gets.length, 0);
  t.deepEqual(await readdir(runDir), []);
});

test('fetch (local host): a 20 MB file streams through', async (t) => {
  const dir = await tempDir(t);
  const src = join(dir, 'snap.db');
  const bytes = Buffer.alloc(20 * 1024 * 1024);
  for (let i = 0; i < bytes.length; i += 4096) bytes[i] = i & 0xff;
  await writeFile(src, bytes);
  await mkdir(join(dir, 'out'));
  const ctx = moduleContext(localTransport('node9'), { vars: { playbook_dir: dir } });
  const r = await fetch.run(ctx, parseArgs(fetch.schema, { src, dest: 'out' }));
  t.like(r, { changed: true, data: { checksum: sha(bytes) } });
  t.true((await readFile(join(dir, 'out', 'node9', src))).equals(bytes));
});

test('fetch: the stored copy keeps only the owner bits of the source, so a 0600 key stays private', async (t) => {
  const dir = await tempDir(t);
  for (const [mode, want] of [
    ['600', 0o600],
    ['644', 0o600],
    ['755', 0o700],
    ['444', 0o600],
  ] as const) {
    const fake = new FakeTransport({ host: 'node1', files: { [SRC]: CONTENT } }).on(/^if test -e/, { stdout: statOutput({ content: CONTENT, mode }) });
    const r = await fetch.run(moduleContext(fake, { vars: { playbook_dir: dir } }), parseArgs(fetch.schema, { src: SRC, dest: `m${mode}/`, flat: true }));
    t.is((await stat(r.data.dest)).mode & 0o777, want, `source mode ${mode}`);
  }
});

test('fetch: `..` in src never leaves dest/<host>/, a src naming no file is refused with flat', async (t) => {
  const dir = await tempDir(t);
  const evil = '/var/lib/../../../../../../escaped.txt';
  const fake = new FakeTransport({ host: 'node1', files: { [evil]: CONTENT } }).on(/^if test -e/, { stdout: statOutput({ content: CONTENT }) });
  const r = await fetch.run(moduleContext(fake, { vars: { playbook_dir: join(dir, 'a', 'b') } }), parseArgs(fetch.schema, { src: evil, dest: 'store' }));
  t.is(r.data.dest, join(dir, 'a', 'b', 'store', 'node1', 'escaped.txt'));
  t.deepEqual(await readdir(dir), ['a']);
  await t.throwsAsync(
    fetch.run(moduleContext(host(CONTENT), { vars: { playbook_dir: dir } }), parseArgs(fetch.schema, { src: '/etc/..', dest: 'flat/', flat: true })),
    { message: /does not name a file/ },
  );
  const badHost = new FakeTransport({ host: '..', files: { [SRC]: CONTENT } }).on(/^if test -e/, { stdout: statOutput({ content: CONTENT }) });
  await t.throwsAsync(fetch.run(moduleContext(badHost, { host: '..', vars: { playbook_dir: dir } }), parseArgs(fetch.schema, { src: SRC, dest: 'store' })), {
    message: /outside/,
  });
});
