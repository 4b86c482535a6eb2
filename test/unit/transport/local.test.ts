import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import test from 'ava';
import { CommandError, ConnectError } from '../../../src/errors.js';
import { connectLocal } from '../../../src/transport/local.js';
import { testSpec } from '../../helpers/connection-spec.js';
import { fakeSudoDir } from './fake-sudo.js';

// commands that ask for become here meet the stand-in sudo (password "s3cret")
const sudoDir = fakeSudoDir();
process.env.PATH = `${sudoDir}:${process.env.PATH}`;

const spec = testSpec({ name: 'localhost', connection: 'local', address: 'localhost' });
const t0 = connectLocal(spec);
const dir = mkdtempSync(join(tmpdir(), 'rb-local-'));
test.after.always(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(sudoDir, { recursive: true, force: true });
});

test('exec returns output and exit code, never throws for a failure', async (t) => {
  const r = await t0.exec('echo out; echo err >&2; exit 7');
  t.like(r, { exitCode: 7, stdout: 'out\n', stderr: 'err\n' });
  t.is(typeof r.durationMs, 'number');
  t.is((await t0.exec('exit 0')).exitCode, 0);
});

test('stdin as string, Buffer and a large Readable (backpressure), env as data', async (t) => {
  t.is((await t0.exec('cat', { stdin: 'abc' })).stdout, 'abc');
  t.is((await t0.exec('cat', { stdin: Buffer.from('xyz') })).stdout, 'xyz');
  const big = randomBytes(8 * 1024 * 1024);
  const r = await t0.exec('sha256sum | cut -d" " -f1', { stdin: Readable.from([big.subarray(0, 1 << 20), big.subarray(1 << 20)]) });
  t.is(r.stdout.trim(), createHash('sha256').update(big).digest('hex'));
  t.is((await t0.exec(`printf %s "$V"`, { env: { V: '; rm -rf / $(id)' } })).stdout, '; rm -rf / $(id)');
});

test('live output arrives in chunks as it is produced', async (t) => {
  // "two" is printed only after the test has received "one": output held back until the end
  // would hang here (and time out), whatever the machine's load
  const dir = mkdtempSync(join(tmpdir(), 'rb-chunks-'));
  const go = join(dir, 'go');
  const chunks: string[] = [];
  const r = await t0.exec(`echo one; while [ ! -e ${go} ]; do sleep 0.01; done; echo two`, {
    timeoutMs: 60_000,
    onStdout: (c) => {
      chunks.push(c);
      if (c === 'one\n') writeFileSync(go, '');
    },
  });
  rmSync(dir, { recursive: true, force: true });
  t.not(r.timedOut, true);
  t.deepEqual(chunks, ['one\n', 'two\n']);
  t.is(r.stdout, 'one\ntwo\n');
});

test('a command that stops reading stdin does not hang exec', async (t) => {
  const r = await t0.exec('head -c 1', { stdin: Readable.from((function* () { for (let i = 0; i < 1000; i++) yield randomBytes(65536); })()) });
  t.is(r.exitCode, 0);
  t.is(r.stdout.length, 1);
});

test('timeout stops the whole process group and reports 124', async (t) => {
  const marker = `rb-timeout-${process.pid}`;
  const started = Date.now();
  const r = await t0.exec(`sh -c 'sleep 30; echo ${marker}' & wait`, { timeoutMs: 300 });
  t.true(r.timedOut);
  t.is(r.exitCode, 124);
  // far below the 30 s the sleep would take: it was killed, not waited for (no tighter bound: a
  // busy machine must not fail this)
  t.true(Date.now() - started < 20_000);
  const left = await t0.exec(`pgrep -f 'sleep 3[0]; echo ${marker}' || true`);
  t.is(left.stdout, '');
});

test('an aborted command rejects with the abort reason', async (t) => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error('operator pressed Ctrl-C')), 100);
  await t.throwsAsync(t0.exec('sleep 30', { signal: ac.signal }), { message: 'operator pressed Ctrl-C' });
  await t.throwsAsync(t0.exec('true', { signal: ac.signal }), { message: 'operator pressed Ctrl-C' });
});

test('put honours the mode, get streams the file back, a missing file errors', async (t) => {
  const data = randomBytes(3 * 1024 * 1024);
  const path = join(dir, 'secret');
  await t0.put(Readable.from([data]), path, { mode: 0o600 });
  t.is(statSync(path).mode & 0o777, 0o600);
  t.true(readFileSync(path).equals(data));
  const chunks: Buffer[] = [];
  for await (const c of await t0.get(path)) chunks.push(c as Buffer);
  t.true(Buffer.concat(chunks).equals(data));
  await t0.put('text', join(dir, 'plain'));
  t.is(readFileSync(join(dir, 'plain'), 'utf8'), 'text');
  const missing = await t0.get(join(dir, 'nope'));
  await t.throwsAsync(async () => {
    for await (const _ of missing) void _;
  }, { instanceOf: CommandError, message: /cannot read/ });
});

test('put creates a new file only: an existing file, a symlink or a dangling symlink is refused and left alone', async (t) => {
  const victim = join(dir, 'victim');
  writeFileSync(victim, 'root only\n', { mode: 0o600 });
  const existing = join(dir, 'existing');
  writeFileSync(existing, 'old');
  const link = join(dir, 'link');
  symlinkSync(victim, link);
  const dangling = join(dir, 'dangling');
  symlinkSync(join(dir, 'not-yet'), dangling);
  for (const become of [undefined, { user: 'root', password: 's3cret' }]) {
    for (const path of [existing, link, dangling]) {
      await t.throwsAsync(t0.put('planted', path, { mode: 0o644, become }), { instanceOf: CommandError, message: /cannot write/ });
    }
  }
  t.is(readFileSync(existing, 'utf8'), 'old');
  t.is(readFileSync(victim, 'utf8'), 'root only\n');
  t.is(statSync(victim).mode & 0o777, 0o600);
  t.false(existsSync(join(dir, 'not-yet')));
});

test('become with a password: sudo gets it, the command gets exactly the caller stdin', async (t) => {
  const become = { user: 'nobody', password: 's3cret' };
  const r = await t0.exec('cat; echo; echo done >&2', { stdin: 'line1\nline2', become });
  t.like(r, { exitCode: 0, stdout: 'line1\nline2\n', stderr: 'done\n' });
  const path = join(dir, 'via-sudo');
  await t0.put('payload', path, { become, mode: 0o640 });
  t.is(readFileSync(path, 'utf8'), 'payload');
  t.is(statSync(path).mode & 0o777, 0o640);
  const back: Buffer[] = [];
  for await (const c of await t0.get(path, { become })) back.push(c as Buffer);
  t.is(Buffer.concat(back).toString(), 'payload');
});

test.serial('become with a password that sudo does not ask for (NOPASSWD) keeps stdin clean', async (t) => {
  process.env.FAKE_SUDO_ASK = '0';
  try {
    const r = await t0.exec('cat', { stdin: 'only this', become: { user: 'nobody', password: 's3cret' } });
    t.is(r.stdout, 'only this');
  } finally {
    delete process.env.FAKE_SUDO_ASK;
  }
});

test('a wrong sudo password fails the command instead of hanging', async (t) => {
  const r = await t0.exec('echo never', { become: { user: 'nobody', password: 'wrong' }, timeoutMs: 10_000 });
  t.not(r.exitCode, 0);
  t.false(r.timedOut ?? false);
  t.is(r.stdout, '');
  t.regex(r.stderr, /Sorry, try again/);
});

test('become without a password uses sudo -n and fails fast when one is needed', async (t) => {
  const r = await t0.exec('echo never', { become: { user: 'nobody' } });
  t.is(r.exitCode, 1);
  t.regex(r.stderr, /password is required/);
});

test('forward connects to a local port', async (t) => {
  const server = createServer((s) => s.end('hello\n'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const sock = await t0.forward('127.0.0.1', port);
  let got = '';
  for await (const c of sock) got += c;
  t.is(got, 'hello\n');
  server.close();
});

test('a closed transport refuses new work', async (t) => {
  const t1 = connectLocal(spec);
  await t1.close();
  await t.throwsAsync(t1.exec('true'), { instanceOf: ConnectError });
});

test('a reader that abandons a get does not leave the command running', async (t) => {
  // an endless file: only stopping the command ends it
  const path = '/dev/zero';
  const stream = await t0.get(path, { become: { user: 'nobody', password: 's3cret' } });
  for await (const _ of stream) break; // destroys the stream after the first chunk
  t.true(stream.destroyed);
  for (let i = 0; i < 50; i++) {
    if ((await t0.exec(`pgrep -f '[c]at ${path}' || true`)).stdout === '') return t.pass();
    await new Promise((r) => setTimeout(r, 100));
  }
  t.fail('the cat behind the abandoned get is still running');
});
