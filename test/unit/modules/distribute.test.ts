import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { distribute } from '../../../src/modules/distribute.js';
import type { Transport } from '../../../src/transport/types.js';
import { FakeTransport, recording } from '../../helpers/fake-transport.js';
import { ABSENT, sha, statOutput } from './support/host-state.js';
import { localTransport, moduleContext, parseArgs, tempDir } from './support/context.js';

const DEST = '/var/lib/etcd-restore/snap.db';
const TMP = '/var/lib/etcd-restore/.snap.db.runbook-tmp-X';
const STAT = `if test -e ${DEST}; then stat -L -c '%F|%a|%U|%G|%u|%g|%s' -- ${DEST}; else echo absent; umask; fi`;
const SNAP = Buffer.alloc(300_000, 7);

async function controllerFile(t: Parameters<typeof tempDir>[0], bytes = SNAP) {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'snap.db'), bytes);
  return dir;
}

function target(name: string, state = ABSENT): FakeTransport {
  return new FakeTransport({ host: name }).on(/^if test -e/, { stdout: state }).on(/^fail\(\)/, {}).on(/^rm -f/, {});
}

test('distribute: streams a controller file, the host verifies sha256, then renames', async (t) => {
  const dir = await controllerFile(t);
  const fake = target('node1');
  const ctx = moduleContext(fake, { vars: { playbook_dir: dir } });
  const r = await distribute.run(ctx, parseArgs(distribute.schema, { src: 'snap.db', dest: DEST, mode: '0600' }));
  t.is(fake.commands[0], STAT);
  t.is(
    fake.commands[1],
    [
      `fail() { rc=$?; rm -f -- ${TMP}; exit "$rc"; }`,
      `chmod 0600 -- ${TMP} || fail`,
      `s=$(sha256sum < ${TMP}) || fail`,
      `if [ "\${s%% *}" != ${sha(SNAP)} ]; then echo "sha256 mismatch: the host has \${s%% *}, expected ${sha(SNAP)}" >&2; rm -f -- ${TMP}; exit 1; fi`,
      `mv -f -T -- ${TMP} ${DEST} || fail`,
    ].join('\n'),
  );
  t.true(fake.puts[0]!.content.equals(SNAP));
  t.like(r, { changed: true, data: { checksum: sha(SNAP), size: SNAP.length, src: join(dir, 'snap.db') } });
  t.true(ctx.logs.some((l) => /MB\/s done$/.test(l)));
});

test('distribute: a dest of another size is replaced without hashing anything first', async (t) => {
  const dir = await controllerFile(t);
  const fake = target('node1', statOutput({ content: 'old' }, false));
  await distribute.run(moduleContext(fake, { vars: { playbook_dir: dir } }), parseArgs(distribute.schema, { src: 'snap.db', dest: DEST }));
  t.false(fake.commands.some((c) => c.startsWith('sha256sum')));
  t.is(fake.puts.length, 1);
});

test('distribute: same size and same sha256: unchanged, nothing sent', async (t) => {
  const dir = await controllerFile(t);
  const fake = target('node1', statOutput({ content: SNAP, mode: '600' }, false)).on(/^sha256sum/, { stdout: `${sha(SNAP)}  -\n` });
  const r = await distribute.run(moduleContext(fake, { vars: { playbook_dir: dir } }), parseArgs(distribute.schema, { src: 'snap.db', dest: DEST, mode: '0600' }));
  t.deepEqual(fake.commands, [STAT, `sha256sum < ${DEST}`]);
  t.is(fake.puts.length, 0);
  t.like(r, { changed: false, msg: 'already up to date' });
});

test('distribute: with an expected sha256 the host checks against it and the controller does not hash', async (t) => {
  const dir = await controllerFile(t);
  const fake = target('node1');
  const given = sha(SNAP);
  const r = await distribute.run(moduleContext(fake, { vars: { playbook_dir: dir } }), parseArgs(distribute.schema, { src: 'snap.db', dest: DEST, sha256: given.toUpperCase() }));
  t.like(r, { changed: true, data: { checksum: given } });
  t.true(fake.commands[1]!.includes(`if [ "\${s%% *}" != ${given} ]`), fake.commands[1]);
});

test('distribute (local host): a wrong expected sha256 fails on the host, removes the temp file, leaves dest alone', async (t) => {
  const dir = await controllerFile(t);
  const dest = join(dir, 'out', 'snap.db');
  await mkdir(join(dir, 'out'));
  await writeFile(dest, 'the old content');
  const wrong = 'a'.repeat(64);
  const r = await distribute.run(moduleContext(localTransport('node1'), { vars: { playbook_dir: dir } }), parseArgs(distribute.schema, { src: 'snap.db', dest, sha256: wrong }));
  t.like(r, { changed: false, failed: true });
  t.regex(r.msg!, new RegExp(`is not the expected file: node1 received bytes with sha256 ${sha(SNAP)}, expected ${wrong}`));
  t.is(await readFile(dest, 'utf8'), 'the old content');
  t.deepEqual((await readdir(join(dir, 'out'))).sort(), ['snap.db'], 'no temp file left behind');
});

test('distribute: check mode reports and sends nothing', async (t) => {
  const dir = await controllerFile(t);
  const fake = target('node1');
  const r = await distribute.run(moduleContext(fake, { vars: { playbook_dir: dir }, check: true }), parseArgs(distribute.schema, { src: 'snap.db', dest: DEST }));
  t.like(r, { changed: true });
  t.deepEqual(fake.commands, [STAT]);
  t.is(fake.puts.length, 0);
});

test('distribute: from a host to three hosts reads the source once', async (t) => {
  const source = new FakeTransport({ host: 'node1', files: { '/var/backups/snap.db': SNAP } }).on(/^if test -e/, { stdout: statOutput({ content: SNAP }, false) });
  const targets = ['node2', 'node3', 'node4'].map((h) => target(h));
  const runId = 'run-1';
  const results = await Promise.all(
    targets.map((fake) =>
      distribute.run(
        moduleContext(fake, { runId, transportFor: async (h) => (h === 'node1' ? source : fake) }),
        parseArgs(distribute.schema, { src_host: 'node1', src_path: '/var/backups/snap.db', dest: DEST }),
      ),
    ),
  );
  t.is(source.gets.length, 1, 'one read of the source for three targets');
  for (const [i, r] of results.entries()) {
    t.like(r, { changed: true, data: { checksum: sha(SNAP), src: 'node1:/var/backups/snap.db' } });
    t.true(targets[i]!.puts[0]!.content.equals(SNAP));
  }
});

test('distribute: targets that are up to date leave the group; the others still share one read', async (t) => {
  const source = new FakeTransport({ host: 'node1', files: { '/s': SNAP } })
    .on(/^if test -e/, { stdout: statOutput({ content: SNAP }, false) })
    // a source file of unknown size is hashed with openssl when the host has it
    .on(/^\{ openssl dgst -sha256 -r < \/s 2>\/dev\/null \|\| sha256sum < \/s; \}$/, { stdout: `${sha(SNAP)} *stdin\n` });
  const upToDate = target('node2', statOutput({ content: SNAP }, false)).on(/^sha256sum/, { stdout: `${sha(SNAP)}  -\n` });
  const targets = [upToDate, target('node3'), target('node4')];
  const results = await Promise.all(
    targets.map((fake) =>
      distribute.run(moduleContext(fake, { runId: 'run-2', transportFor: async () => source }), parseArgs(distribute.schema, { src_host: 'node1', src_path: '/s', dest: DEST })),
    ),
  );
  t.deepEqual(
    results.map((r) => r.changed),
    [false, true, true],
  );
  t.is(source.gets.length, 1);
  t.is(source.commands.filter((c) => c.includes('openssl dgst')).length, 1, 'the source is hashed once, for the one target that needed it');
});

test('distribute: schema', (t) => {
  t.false(distribute.schema.safeParse({ dest: DEST }).success);
  t.false(distribute.schema.safeParse({ dest: DEST, src: 'a', src_host: 'h', src_path: '/p' }).success);
  t.false(distribute.schema.safeParse({ dest: DEST, src_host: 'h' }).success);
  t.false(distribute.schema.safeParse({ dest: DEST, src_host: 'h', src_path: 'relative' }).success);
  t.false(distribute.schema.safeParse({ dest: DEST, src: 'a', sha256: 'xyz' }).success);
  t.is(
    distribute.describe(parseArgs(distribute.schema, { src_host: 'node1', src_path: '/s', dest: DEST, mode: '0600' })),
    `distribute node1:/s -> ${DEST} (mode=0600)`,
  );
});

test('distribute (local hosts): one source host, three targets, real files and sha256sum', async (t) => {
  const dir = await tempDir(t);
  const src = join(dir, 'src', 'snap.db');
  await mkdir(join(dir, 'src'));
  const bytes = Buffer.alloc(8 * 1024 * 1024 + 3);
  for (let i = 0; i < bytes.length; i += 997) bytes[i] = i % 251;
  await writeFile(src, bytes);
  const source = recording(localTransport('src'));
  const names = ['t1', 't2', 't3'];
  const dests = names.map((n) => join(dir, n, 'snap.db'));
  for (const n of names) await mkdir(join(dir, n));
  const run = (i: number) =>
    distribute.run(
      moduleContext(localTransport(names[i]), { runId: 'local-1', transportFor: async (): Promise<Transport> => source }),
      parseArgs(distribute.schema, { src_host: 'src', src_path: src, dest: dests[i]!, mode: '0640' }),
    );
  const results = await Promise.all([0, 1, 2].map(run));
  for (const [i, r] of results.entries()) {
    t.like(r, { changed: true, data: { checksum: sha(bytes) } });
    t.true((await readFile(dests[i]!)).equals(bytes));
  }
  t.is(source.gets.length, 1);
  const again = await Promise.all([0, 1, 2].map(run));
  t.deepEqual(
    again.map((r) => r.changed),
    [false, false, false],
  );
});

test('distribute: a target whose upload fails is dropped; the others of the group finish', async (t) => {
  const source = new FakeTransport({ host: 'node1', files: { '/s': SNAP } }).on(/^if test -e/, { stdout: statOutput({ content: SNAP }, false) });
  const broken = target('node2');
  broken.put = async () => {
    throw new Error('node2: cannot write: No space left on device');
  };
  const targets = [broken, target('node3'), target('node4')];
  const results = await Promise.allSettled(
    targets.map((fake) =>
      distribute.run(moduleContext(fake, { runId: 'run-3', transportFor: async () => source }), parseArgs(distribute.schema, { src_host: 'node1', src_path: '/s', dest: DEST })),
    ),
  );
  t.is(results[0]!.status, 'rejected');
  t.regex(String((results[0] as PromiseRejectedResult).reason), /No space left/);
  for (const r of results.slice(1)) t.like((r as PromiseFulfilledResult<{ changed: boolean }>).value, { changed: true });
  t.is(source.gets.length, 1);
});

test('distribute (local host): a big controller file arrives whole, with its sha256 checked on the host', async (t) => {
  const bytes = Buffer.alloc(6 * 1024 * 1024 + 5);
  for (let i = 0; i < bytes.length; i += 991) bytes[i] = i % 253;
  const dir = await controllerFile(t, bytes);
  const dest = join(dir, 'big.db');
  const r = await distribute.run(moduleContext(localTransport('node1'), { vars: { playbook_dir: dir } }), parseArgs(distribute.schema, { src: 'snap.db', dest }));
  t.like(r, { changed: true, data: { checksum: sha(bytes), size: bytes.length } });
  t.true((await readFile(dest)).equals(bytes));
});
