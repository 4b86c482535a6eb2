import { readFile, stat, writeFile, chmod, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { lineinfile } from '../../../src/modules/lineinfile.js';
import { FakeTransport } from '../../helpers/fake-transport.js';
import { ABSENT, sha, statOutput } from './support/host-state.js';
import { localTransport, moduleContext, parseArgs, tempDir } from './support/context.js';

const PATH = '/etc/default/etcd';
const STAT = `if test -e /etc/default/etcd; then stat -L -c '%F|%a|%U|%G|%u|%g|%s' -- /etc/default/etcd; else echo absent; umask; fi`;
const BEFORE = 'ETCD_NAME=etcd1\nETCD_HEARTBEAT_INTERVAL=100\n';

function hostWith(content: string | undefined): FakeTransport {
  const fake = new FakeTransport({ files: content === undefined ? {} : { [PATH]: content } });
  fake.on(/^if test -e/, { stdout: content === undefined ? ABSENT : statOutput({ content, mode: '600' }, false) });
  fake.on(/^fail\(\)/, {}).on(/^rm -f/, {});
  return fake;
}

test('lineinfile: replaces the matching line, reads once, writes atomically', async (t) => {
  const fake = hostWith(BEFORE);
  const r = await lineinfile.run(
    moduleContext(fake),
    parseArgs(lineinfile.schema, { path: PATH, regexp: '^ETCD_HEARTBEAT_INTERVAL=', line: 'ETCD_HEARTBEAT_INTERVAL=250' }),
  );
  const after = 'ETCD_NAME=etcd1\nETCD_HEARTBEAT_INTERVAL=250\n';
  t.is(fake.commands[0], STAT);
  t.deepEqual(fake.gets.map((g) => g.path), [PATH]);
  t.is(fake.puts[0]!.content.toString(), after);
  t.regex(fake.commands[1]!, /^fail\(\)/);
  t.true(fake.commands[1]!.includes(`chmod 0600 -- /etc/default/.etcd.runbook-tmp-X || fail`), 'keeps 0600');
  t.true(fake.commands[1]!.includes(sha(after)));
  t.like(r, { changed: true, msg: 'line replaced', data: { dest: PATH, checksum: sha(after) } });
});

test('lineinfile: nothing to do means nothing written', async (t) => {
  const fake = hostWith(BEFORE);
  const r = await lineinfile.run(moduleContext(fake), parseArgs(lineinfile.schema, { path: PATH, regexp: '^ETCD_NAME=', line: 'ETCD_NAME=etcd1' }));
  t.deepEqual(fake.commands, [STAT]);
  t.is(fake.puts.length, 0);
  t.false(r.changed);
});

test('lineinfile: check mode with diff', async (t) => {
  const fake = hostWith(BEFORE);
  const r = await lineinfile.run(
    moduleContext(fake, { check: true, diff: true }),
    parseArgs(lineinfile.schema, { path: PATH, regexp: '^ETCD_NAME=', line: 'ETCD_NAME=etcd9' }),
  );
  t.deepEqual(fake.commands, [STAT]);
  t.is(fake.puts.length, 0);
  t.like(r, { changed: true, msg: 'line replaced (check mode)' });
  t.deepEqual(r.diff, [{ path: PATH, before: BEFORE, after: 'ETCD_NAME=etcd9\nETCD_HEARTBEAT_INTERVAL=100\n' }]);
});

test('lineinfile: a missing file fails unless create', async (t) => {
  const missing = await lineinfile.run(moduleContext(hostWith(undefined)), parseArgs(lineinfile.schema, { path: PATH, line: 'A=1' }));
  t.like(missing, { changed: false, failed: true });
  t.regex(missing.msg!, /create: true/);

  const fake = hostWith(undefined);
  const created = await lineinfile.run(moduleContext(fake), parseArgs(lineinfile.schema, { path: PATH, line: 'A=1', create: true, mode: '0644' }));
  t.true(created.changed);
  t.is(fake.puts[0]!.content.toString(), 'A=1\n');
  t.true(fake.commands[1]!.includes('chmod 0644 -- /etc/default/.etcd.runbook-tmp-X || fail'));
});

test('lineinfile: absent on a missing file is fine', async (t) => {
  const r = await lineinfile.run(moduleContext(hostWith(undefined)), parseArgs(lineinfile.schema, { path: PATH, regexp: '^A=', state: 'absent' }));
  t.false(r.changed);
  t.falsy(r.failed);
});

test('lineinfile: validate failure changes nothing', async (t) => {
  const fake = hostWith(BEFORE).on(/^etcd-check /, { exitCode: 2, stderr: 'invalid\n' });
  const r = await lineinfile.run(
    moduleContext(fake),
    parseArgs(lineinfile.schema, { path: PATH, line: 'BROKEN', validate: 'etcd-check %s' }),
  );
  t.deepEqual(fake.commands.slice(1), ['etcd-check /etc/default/.etcd.runbook-tmp-X', 'rm -f -- /etc/default/.etcd.runbook-tmp-X']);
  t.like(r, { changed: false, failed: true, rc: 2 });
});

test('lineinfile: a line with quotes, $ and ; is data, never shell', async (t) => {
  const fake = hostWith('');
  const line = `X="$(rm -rf /)"; echo 'pwned'`;
  await lineinfile.run(moduleContext(fake), parseArgs(lineinfile.schema, { path: PATH, line }));
  t.is(fake.puts[0]!.content.toString(), line + '\n');
  t.false(fake.commands.some((c) => c.includes('rm -rf /)')), 'the line travels in the file body, not in a command');
});

test('lineinfile: schema rules', (t) => {
  const bad = (a: object) => t.false(lineinfile.schema.safeParse({ path: PATH, ...a }).success, JSON.stringify(a));
  bad({});
  bad({ regexp: '^a' });
  bad({ line: 'a', regexp: '^a', search_string: 'a' });
  bad({ line: 'a', insertafter: 'EOF', insertbefore: 'BOF' });
  bad({ line: 'a', backrefs: true });
  bad({ line: 'a', regexp: '(' });
  bad({ line: 'a', insertafter: '(' });
  t.true(lineinfile.schema.safeParse({ path: PATH, state: 'absent', regexp: '^a' }).success);
});

test('lineinfile (local host): edits keep mode, backup works, non-UTF-8 bytes survive', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'etcd.conf');
  const latin1 = Buffer.from([0x23, 0x20, 0xe9, 0x0a]); // "# é\n" in latin1: not valid UTF-8
  await writeFile(path, Buffer.concat([latin1, Buffer.from('heartbeat-interval: 100\n')]));
  await chmod(path, 0o600);
  const ctx = moduleContext(localTransport());
  const r = await lineinfile.run(
    ctx,
    parseArgs(lineinfile.schema, { path, regexp: '^heartbeat-interval:', line: 'heartbeat-interval: 250', backup: true }),
  );
  t.true(r.changed);
  t.true((await readFile(path)).equals(Buffer.concat([latin1, Buffer.from('heartbeat-interval: 250\n')])));
  t.is((await stat(path)).mode & 0o7777, 0o600);
  t.truthy(r.data.backup_file);
  t.is((await readdir(dir)).length, 2, 'the file and its backup, no temp file');
  const again = await lineinfile.run(ctx, parseArgs(lineinfile.schema, { path, regexp: '^heartbeat-interval:', line: 'heartbeat-interval: 250' }));
  t.false(again.changed);
});
