import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { copy } from '../../../src/modules/copy.js';
import { FakeTransport } from '../../helpers/fake-transport.js';
import { ABSENT, sha, statOutput } from './support/host-state.js';
import { localTransport, moduleContext, parseArgs, tempDir } from './support/context.js';

const DEST = '/etc/etcd/etcd.conf';
const TMP = '/etc/etcd/.etcd.conf.runbook-tmp-X';
const STAT = `if test -e /etc/etcd/etcd.conf; then stat -L -c '%F|%a|%U|%G|%u|%g|%s' -- /etc/etcd/etcd.conf && { test ! -f /etc/etcd/etcd.conf || sha256sum < /etc/etcd/etcd.conf; }; else echo absent; umask; fi`;

function finalize(content: string, lines: string[]): string {
  const h = sha(content);
  return [
    `fail() { rc=$?; rm -f -- ${TMP}; exit "$rc"; }`,
    ...lines,
    `s=$(sha256sum < ${TMP}) || fail`,
    `if [ "\${s%% *}" != ${h} ]; then echo "sha256 mismatch: the host has \${s%% *}, expected ${h}" >&2; rm -f -- ${TMP}; exit 1; fi`,
  ].join('\n');
}

test('copy: a new file is written to a temp name, verified and renamed; the mode follows the umask', async (t) => {
  const fake = new FakeTransport().on(/^if test -e/, { stdout: ABSENT }).on(/^fail\(\)/, {});
  const r = await copy.run(moduleContext(fake), parseArgs(copy.schema, { dest: DEST, content: 'name: etcd1\n' }));
  t.deepEqual(fake.commands, [STAT, finalize('name: etcd1\n', [`chmod 0644 -- ${TMP} || fail`]) + `\nmv -f -T -- ${TMP} ${DEST} || fail`]);
  t.is(fake.puts.length, 1);
  t.regex(fake.puts[0]!.dest, /^\/etc\/etcd\/\.etcd\.conf\.runbook-tmp-[0-9a-f]{12}$/);
  t.is(fake.puts[0]!.content.toString(), 'name: etcd1\n');
  t.is(fake.puts[0]!.mode, 0o600, 'the temp file is private until its mode is set');
  t.like(r, { changed: true, msg: 'file created', data: { dest: DEST, checksum: sha('name: etcd1\n'), size: 12 } });
});

test('copy: the same sha256 means no write at all', async (t) => {
  const fake = new FakeTransport().on(/^if test -e/, { stdout: statOutput({ content: 'x\n' }) });
  const r = await copy.run(moduleContext(fake), parseArgs(copy.schema, { dest: DEST, content: 'x\n' }));
  t.deepEqual(fake.commands, [STAT]);
  t.is(fake.puts.length, 0);
  t.like(r, { changed: false, msg: 'file already up to date' });
});

test('copy: only attributes differ: chmod/chown the file in place', async (t) => {
  const fake = new FakeTransport().on(/^if test -e/, { stdout: statOutput({ content: 'x\n', mode: '644', owner: 'etcd', uid: 998 }) }).on(/^chmod/, {});
  const r = await copy.run(moduleContext(fake), parseArgs(copy.schema, { dest: DEST, content: 'x\n', mode: '0600', owner: 'root', group: 'root' }));
  t.deepEqual(fake.commands, [STAT, `chmod 0600 -- ${DEST} && chown -- root:root ${DEST}`]);
  t.like(r, { changed: true, msg: 'attributes changed: mode 0644 -> 0600, owner etcd -> root' });
});

test('copy: numeric owner matches by id, symbolic mode is predicted before chmod', async (t) => {
  const fake = new FakeTransport().on(/^if test -e/, { stdout: statOutput({ content: 'x\n', mode: '755', owner: 'etcd', uid: 998 }) });
  const r = await copy.run(moduleContext(fake), parseArgs(copy.schema, { dest: DEST, content: 'x\n', mode: 'u+x,go-w', owner: '998' }));
  t.deepEqual(fake.commands, [STAT]);
  t.false(r.changed);
});

test('copy: replacing a file keeps its mode and owner unless told otherwise', async (t) => {
  const fake = new FakeTransport().on(/^if test -e/, { stdout: statOutput({ content: 'old\n', mode: '600', owner: 'etcd', group: 'etcd', uid: 998, gid: 997 }) }).on(/^fail\(\)/, {});
  await copy.run(moduleContext(fake), parseArgs(copy.schema, { dest: DEST, content: 'new\n' }));
  t.is(
    fake.commands[1],
    finalize('new\n', [`chmod 0600 -- ${TMP} || fail`, `chown -- 998:997 ${TMP} 2>/dev/null || true`]) + `\nmv -f -T -- ${TMP} ${DEST} || fail`,
  );
});

test('copy: an octal mode and owner are set on the temp file before the rename', async (t) => {
  const fake = new FakeTransport().on(/^if test -e/, { stdout: ABSENT }).on(/^fail\(\)/, {});
  await copy.run(moduleContext(fake), parseArgs(copy.schema, { dest: DEST, content: 'k', mode: '0640', owner: 'etcd', group: 'etcd' }));
  t.is(
    fake.commands[1],
    finalize('k', [`chmod 0640 -- ${TMP} && chown -- etcd:etcd ${TMP} || fail`]) + `\nmv -f -T -- ${TMP} ${DEST} || fail`,
  );
});

test('copy: backup keeps the old file next to it and reports its name', async (t) => {
  const fake = new FakeTransport().on(/^if test -e/, { stdout: statOutput({ content: 'old\n' }) }).on(/^fail\(\)/, {});
  const r = await copy.run(moduleContext(fake), parseArgs(copy.schema, { dest: DEST, content: 'new\n', backup: true }));
  // the backup name is predictable: cp writes a random name, then it is renamed (never followed)
  const bak = `'/etc/etcd/.etcd.conf.TIMESTAMP~.runbook-tmp-X'`;
  t.true(
    fake.commands[1]!.endsWith(
      `cp -p -- ${DEST} ${bak} || fail\nmv -f -T -- ${bak} '${DEST}.TIMESTAMP~' || { rm -f -- ${bak}; fail; }\nmv -f -T -- ${TMP} ${DEST} || fail`,
    ),
  );
  t.regex(r.data.backup_file!, /^\/etc\/etcd\/etcd\.conf\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$/);
});

test('copy: validate runs on the temp file; a failure removes it and changes nothing', async (t) => {
  const fake = new FakeTransport()
    .on(/^if test -e/, { stdout: statOutput({ content: 'old\n' }) })
    .on(/^etcd --config-file/, { exitCode: 1, stderr: 'bad key\n' })
    .on(/^rm -f/, {});
  const r = await copy.run(
    moduleContext(fake),
    parseArgs(copy.schema, { dest: DEST, content: 'bogus: [\n', validate: 'etcd --config-file %s --validate' }),
  );
  t.deepEqual(fake.commands, [STAT, `etcd --config-file ${TMP} --validate`, `rm -f -- ${TMP}`]);
  t.like(r, { changed: false, failed: true, rc: 1, stderr: 'bad key\n' });
  t.regex(r.msg!, /validation failed, \/etc\/etcd\/etcd.conf left unchanged/);
});

test('copy: check mode reports the change and writes nothing; diff shows before and after', async (t) => {
  const fake = new FakeTransport({ files: { [DEST]: 'a: 1\n' } }).on(/^if test -e/, { stdout: statOutput({ content: 'a: 1\n' }) });
  const r = await copy.run(moduleContext(fake, { check: true, diff: true }), parseArgs(copy.schema, { dest: DEST, content: 'a: 2\n' }));
  t.deepEqual(fake.commands, [STAT]);
  t.is(fake.puts.length, 0);
  t.like(r, { changed: true, msg: 'file would be replaced' });
  t.deepEqual(r.diff, [{ path: DEST, before: 'a: 1\n', after: 'a: 2\n' }]);
});

test('copy: diff of a new file has an empty before; binary content is not shown', async (t) => {
  const fake = new FakeTransport().on(/^if test -e/, { stdout: ABSENT });
  const r = await copy.run(moduleContext(fake, { check: true, diff: true }), parseArgs(copy.schema, { dest: DEST, content: 'a\u0000b' }));
  t.deepEqual(r.diff, [{ path: DEST, before: '', after: '[not shown: binary content, 3 bytes]\n' }]);
});

test('copy: diff skips a file too big to read', async (t) => {
  const fake = new FakeTransport().on(/^if test -e/, { stdout: statOutput({ content: 'x', size: 10_000_000 }) });
  const r = await copy.run(moduleContext(fake, { check: true, diff: true }), parseArgs(copy.schema, { dest: DEST, content: 'y\n' }));
  t.is(fake.gets.length, 0);
  t.deepEqual(r.diff, [{ path: DEST, before: '[not shown: 10000000 bytes, larger than 256 KiB]\n', after: 'y\n' }]);
});

test('copy: force false leaves an existing file alone', async (t) => {
  const fake = new FakeTransport().on(/^if test -e/, { stdout: statOutput({ content: 'mine\n' }) });
  const r = await copy.run(moduleContext(fake), parseArgs(copy.schema, { dest: DEST, content: 'theirs\n', force: false }));
  t.deepEqual(fake.commands, [STAT]);
  t.false(r.changed);
});

test('copy: a hostile dest path is quoted everywhere', async (t) => {
  const dest = `/tmp/x'; rm -rf ~ #`;
  const fake = new FakeTransport().on(/^if test -e/, { stdout: ABSENT }).on(/^fail\(\)/, {});
  await copy.run(moduleContext(fake), parseArgs(copy.schema, { dest, content: 'x' }));
  const q = `'/tmp/x'"'"'; rm -rf ~ #'`;
  t.is(fake.commands[0], `if test -e ${q}; then stat -L -c '%F|%a|%U|%G|%u|%g|%s' -- ${q} && { test ! -f ${q} || sha256sum < ${q}; }; else echo absent; umask; fi`);
  t.true(fake.commands[1]!.endsWith(`mv -f -T -- '/tmp/.x'"'"'; rm -rf ~ #.runbook-tmp-X' ${q} || fail`));
});

test('copy: dest that is a directory receives the file under its source name', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'etcd.env'), 'A=1\n');
  const fake = new FakeTransport()
    .on(/^if test -e \/etc\/default;/, { stdout: statOutput({ type: 'directory', mode: '755' }) })
    .on(/^if test -e \/etc\/default\/etcd.env;/, { stdout: ABSENT })
    .on(/^fail\(\)/, {});
  const r = await copy.run(moduleContext(fake, { vars: { playbook_dir: dir } }), parseArgs(copy.schema, { src: 'etcd.env', dest: '/etc/default' }));
  t.is(fake.puts[0]!.content.toString(), 'A=1\n');
  t.like(r, { changed: true, data: { dest: '/etc/default/etcd.env', src: join(dir, 'etcd.env') } });
});

test('copy: src is looked up next to the playbook, then in its files/ directory', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'files'));
  await writeFile(join(dir, 'files', 'ca.pem'), 'PEM');
  const fake = new FakeTransport().on(/^if test -e/, { stdout: ABSENT }).on(/^fail\(\)/, {});
  const r = await copy.run(moduleContext(fake, { vars: { playbook_dir: dir } }), parseArgs(copy.schema, { src: 'ca.pem', dest: '/etc/ca.pem' }));
  t.is(r.data.src, join(dir, 'files', 'ca.pem'));
});

test('copy: become reaches stat, put and the final rename', async (t) => {
  const become = { user: 'root' };
  const fake = new FakeTransport().on(/^if test -e/, { stdout: ABSENT }).on(/^fail\(\)/, {});
  await copy.run(moduleContext(fake, { become }), parseArgs(copy.schema, { dest: DEST, content: 'x' }));
  t.deepEqual(
    fake.calls.map((c) => c.become),
    [become, become, become],
  );
});

test('copy: schema wants exactly one of content/src, an absolute dest, a quoted mode', (t) => {
  t.false(copy.schema.safeParse({ dest: '/x' }).success);
  t.false(copy.schema.safeParse({ dest: '/x', content: 'a', src: 'b' }).success);
  t.false(copy.schema.safeParse({ dest: 'relative', content: 'a' }).success);
  const unquoted = copy.schema.safeParse({ dest: '/x', content: 'a', mode: 644 });
  t.false(unquoted.success);
  t.regex(unquoted.error!.issues[0]!.message, /quoted string/);
  t.false(copy.schema.safeParse({ dest: '/x', content: 'a', mode: '999' }).success);
  t.false(copy.schema.safeParse({ dest: '/x', content: 'a', validate: 'nginx -t' }).success, 'validate needs %s');
  t.true(copy.schema.safeParse({ dest: '/x', content: 'a', mode: 'u=rw,go=r' }).success);
});

// The same flows against a real shell and file system, to prove the generated scripts work.

test('copy (local host): create, unchanged, replace keeping the mode, backup', async (t) => {
  const dir = await tempDir(t);
  const dest = join(dir, `it's a "file"; rm -rf x`);
  const ctx = moduleContext(localTransport());
  const first = await copy.run(ctx, parseArgs(copy.schema, { dest, content: 'one\n', mode: '0600' }));
  t.true(first.changed);
  t.is(await readFile(dest, 'utf8'), 'one\n');
  t.is((await stat(dest)).mode & 0o7777, 0o600);

  const again = await copy.run(ctx, parseArgs(copy.schema, { dest, content: 'one\n', mode: '0600' }));
  t.false(again.changed);

  const replaced = await copy.run(ctx, parseArgs(copy.schema, { dest, content: 'two\n', backup: true }));
  t.true(replaced.changed);
  t.is(await readFile(dest, 'utf8'), 'two\n');
  t.is((await stat(dest)).mode & 0o7777, 0o600, 'an edit never loosens the mode');
  t.is(await readFile(replaced.data.backup_file!, 'utf8'), 'one\n');
});

test('copy (local host): failed validate leaves dest and no temp file behind', async (t) => {
  const dir = await tempDir(t);
  const dest = join(dir, 'conf');
  await writeFile(dest, 'good\n');
  const ctx = moduleContext(localTransport());
  const r = await copy.run(ctx, parseArgs(copy.schema, { dest, content: 'bad\n', validate: `grep -q good %s` }));
  t.true(r.failed);
  t.is(await readFile(dest, 'utf8'), 'good\n');
  const { readdir } = await import('node:fs/promises');
  t.deepEqual(await readdir(dir), ['conf']);
});

test('copy (local host): a big controller file is streamed and verified', async (t) => {
  const dir = await tempDir(t);
  const src = join(dir, 'big.bin');
  const bytes = Buffer.alloc(3 * 1024 * 1024 + 7, 0xab);
  await writeFile(src, bytes);
  const dest = join(dir, 'copy.bin');
  const r = await copy.run(moduleContext(localTransport(), { diff: true }), parseArgs(copy.schema, { src, dest }));
  t.like(r, { changed: true, data: { checksum: sha(bytes), size: bytes.length } });
  t.true((await readFile(dest)).equals(bytes));
  t.regex(r.diff![0]!.after, /larger than 256 KiB/);
});
