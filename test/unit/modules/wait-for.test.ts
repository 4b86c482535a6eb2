import { createServer } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { tcpCheckCommand, waitFor } from '../../../src/modules/wait-for.js';
import { FakeTransport } from '../../helpers/fake-transport.js';
import { localTransport, moduleContext, parseArgs, tempDir } from './support/context.js';

const DETECT = 'if command -v bash >/dev/null 2>&1; then echo bash; elif command -v nc >/dev/null 2>&1; then echo nc; fi';
const fast = { sleep: 0.01 };

test('wait_for: port, via bash /dev/tcp, polled until open', async (t) => {
  const fake = new FakeTransport().on(DETECT, { stdout: 'bash\n' }).on(/dev\/tcp/, { exitCode: 1 }, 2).on(/dev\/tcp/, {});
  const r = await waitFor.run(moduleContext(fake), parseArgs(waitFor.schema, { port: 2379, ...fast }));
  const probe = `if command -v timeout >/dev/null 2>&1; then timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/$1"' 127.0.0.1 2379; else bash -c 'exec 3<>"/dev/tcp/$0/$1"' 127.0.0.1 2379; fi 2>/dev/null`;
  t.deepEqual(fake.commands, [DETECT, probe, probe, probe]);
  t.like(r, { changed: false, data: { attempts: 3 } });
  t.falsy(r.failed);
});

test('wait_for: falls back to nc, and a hostile host is only data', async (t) => {
  t.is(tcpCheckCommand('nc', '10.0.0.1', 2380, 3), 'nc -z -w 3 10.0.0.1 2380');
  t.false(waitFor.schema.safeParse({ host: '$(reboot)', port: 1 }).success, 'host names are checked');
  const fake = new FakeTransport().on(DETECT, { stdout: 'nc\n' }).on(/^nc /, {});
  await waitFor.run(moduleContext(fake), parseArgs(waitFor.schema, { host: 'etcd-2.lan', port: 2380, connect_timeout: 2 }));
  t.is(fake.commands[1], 'nc -z -w 2 etcd-2.lan 2380');
});

test('wait_for: no bash and no nc is a clear failure', async (t) => {
  const fake = new FakeTransport().on(DETECT, {});
  const r = await waitFor.run(moduleContext(fake), parseArgs(waitFor.schema, { port: 22 }));
  t.like(r, { failed: true, msg: 'cannot test ports on this host: it has neither bash (/dev/tcp) nor nc' });
});

test('wait_for: stopped waits for the port to close', async (t) => {
  const fake = new FakeTransport().on(DETECT, { stdout: 'bash\n' }).on(/dev\/tcp/, {}, 1).on(/dev\/tcp/, { exitCode: 1 });
  const r = await waitFor.run(moduleContext(fake), parseArgs(waitFor.schema, { port: 2379, state: 'stopped', ...fast }));
  t.like(r, { changed: false, data: { attempts: 2 } });
});

test('wait_for: times out with the given message and the attempts made', async (t) => {
  const fake = new FakeTransport().on(/^test -e/, { exitCode: 1 });
  const r = await waitFor.run(moduleContext(fake), parseArgs(waitFor.schema, { path: '/run/etcd.ready', timeout: 0.05, sleep: 0.01, msg: 'etcd never became ready' }));
  t.like(r, { changed: false, failed: true, msg: 'etcd never became ready' });
  t.true(r.data.attempts >= 1);
  t.true(fake.commands.every((c) => c === 'test -e /run/etcd.ready'));
});

test('wait_for: path with search_regex reads the file and matches in multiline mode', async (t) => {
  const fake = new FakeTransport()
    .on(/^test -e/, { stdout: 'starting\n' }, 1)
    .on(/^test -e/, { stdout: 'starting\nready to serve client requests\n' });
  const r = await waitFor.run(moduleContext(fake), parseArgs(waitFor.schema, { path: "/var/log/etcd's.log", search_regex: '^ready to serve', ...fast }));
  t.is(fake.commands[0], `test -e '/var/log/etcd'"'"'s.log' && cat -- '/var/log/etcd'"'"'s.log'`);
  t.like(r, { changed: false, data: { attempts: 2 } });
});

test('wait_for: absent waits for a path to go', async (t) => {
  const fake = new FakeTransport().on(/^test -e/, {}, 1).on(/^test -e/, { exitCode: 1 });
  const r = await waitFor.run(moduleContext(fake), parseArgs(waitFor.schema, { path: '/var/lib/etcd/member/wal/0.tmp', state: 'absent', ...fast }));
  t.deepEqual(fake.commands, ['test -e /var/lib/etcd/member/wal/0.tmp', 'test -e /var/lib/etcd/member/wal/0.tmp']);
  t.like(r, { data: { attempts: 2 } });
});

test('wait_for: command until it succeeds, with its last output', async (t) => {
  const fake = new FakeTransport().on(/^\/bin\/sh -c/, { exitCode: 1, stderr: 'unhealthy' }, 1).on(/^\/bin\/sh -c/, { stdout: 'healthy' });
  const r = await waitFor.run(moduleContext(fake), parseArgs(waitFor.schema, { command: 'etcdctl endpoint health', ...fast }));
  t.is(fake.commands[0], `/bin/sh -c 'etcdctl endpoint health'`);
  t.like(r, { changed: false, rc: 0, stdout: 'healthy', data: { attempts: 2 } });
});

test('wait_for: aborting the run stops the wait at once', async (t) => {
  const ac = new AbortController();
  const fake = new FakeTransport().on(/^test -e/, { exitCode: 1 });
  const started = Date.now();
  setTimeout(() => ac.abort(new Error('interrupted')), 50);
  await t.throwsAsync(waitFor.run(moduleContext(fake, { signal: ac.signal }), parseArgs(waitFor.schema, { path: '/x', sleep: 10 })), { message: 'interrupted' });
  t.true(Date.now() - started < 2000);
});

test('wait_for: schema', (t) => {
  t.false(waitFor.schema.safeParse({ port: 1, path: '/x' }).success);
  t.false(waitFor.schema.safeParse({ search_regex: 'x' }).success);
  t.false(waitFor.schema.safeParse({ port: 70000 }).success);
  t.is(waitFor.describe(parseArgs(waitFor.schema, { port: 2379 })), 'wait for 127.0.0.1:2379 to be open (timeout 300s)');
});

test('wait_for (local host): a real port opening and closing, a real file appearing', async (t) => {
  const ctx = moduleContext(localTransport());
  const server = createServer((s) => s.end());
  const port = await new Promise<number>((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
  const open = await waitFor.run(ctx, parseArgs(waitFor.schema, { port, timeout: 10, ...fast }));
  t.falsy(open.failed);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const closed = await waitFor.run(ctx, parseArgs(waitFor.schema, { port, state: 'stopped', timeout: 10, ...fast }));
  t.falsy(closed.failed);

  const dir = await tempDir(t);
  const path = join(dir, 'ready');
  setTimeout(() => void writeFile(path, 'member ready\n'), 100);
  const appeared = await waitFor.run(ctx, parseArgs(waitFor.schema, { path, search_regex: 'ready$', timeout: 10, sleep: 0.05 }));
  t.falsy(appeared.failed);
});
