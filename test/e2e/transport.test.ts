/**
 * The ssh transport against real sshd hosts (sandbox cluster "transport", ssh only): commands,
 * files, become, host keys, auth, failures, ProxyJump, forwarding. Timings are logged, not asserted
 * tightly: the machine is shared.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import test from 'ava';
import { AuthError, CommandError, ConnectError, HostKeyError } from '../../src/errors.js';
import { resolveConnectionSpec } from '../../src/transport/connection-spec.js';
import { fingerprint } from '../../src/transport/known-hosts.js';
import { ConnectionPool } from '../../src/transport/pool.js';
import { connectSsh } from '../../src/transport/ssh.js';
import type { ConnectHooks, ConnectionSpec, Transport } from '../../src/transport/types.js';
import { type SandboxHost, useSandbox } from '../helpers/sandbox.js';

// async, never *Sync: tests in this file run concurrently and a blocked event loop skews their timers
const run = promisify(execFile);
const randomBytesAsync = promisify(randomBytes);

const sandbox = useSandbox(test, { name: 'transport', hosts: 3, sshOnly: true });
const work = mkdtempSync(join(tmpdir(), 'rb-transport-e2e-'));
const open: Transport[] = [];

function node(i: 1 | 2 | 3): SandboxHost {
  return sandbox().hosts[i - 1]!;
}

/** A spec as the engine builds it: inventory vars through resolveConnectionSpec (no ~/.ssh/config). */
function specFor(h: SandboxHost, over: Partial<ConnectionSpec> = {}, user = 'root'): ConnectionSpec {
  const sb = sandbox();
  const spec = resolveConnectionSpec(
    h.inventoryName,
    { address: h.ip, user, keyFile: sb.keyFile, knownHosts: sb.knownHosts },
    // generous: other suites share this machine's two cores, and a handshake can wait seconds for CPU
    { sshConfigFile: '/dev/null', connectTimeoutMs: 30_000 },
  );
  // a developer's agent must not decide which key logs in
  delete spec.agent;
  return { ...spec, ...over };
}

async function connect(spec: ConnectionSpec, hooks?: ConnectHooks): Promise<Transport> {
  const t = await connectSsh(spec, hooks);
  open.push(t);
  return t;
}

let rootConnection: Promise<Transport> | undefined;
/** One root connection to node1 shared by the tests, as the engine shares one per host. */
function rootOne(): Promise<Transport> {
  return (rootConnection ??= connect(specFor(node(1))));
}

test.after.always(async () => {
  await Promise.all(open.map((t) => t.close().catch(() => {})));
  rmSync(work, { recursive: true, force: true });
});

async function sha256Remote(t: Transport, path: string): Promise<string> {
  const r = await t.exec(`sha256sum ${path}`);
  return r.stdout.split(' ')[0]!;
}

/** Poll until `check` holds: the host may need a moment (and a loaded machine longer) to settle. */
async function eventually(t: { true(v: boolean, m?: string): void }, what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return t.true(true);
    if (Date.now() > deadline) return t.true(false, `still not true after ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * An address in the sandbox subnet where no host lives. Checked against the routing table first:
 * a connection attempt must go to the sandbox bridge (and die there), never anywhere else.
 */
async function ghostAddress(last: number): Promise<string> {
  const sb = sandbox();
  const address = `${node(1).ip.split('.').slice(0, 3).join('.')}.${last}`;
  const route = (await run('ip', ['-4', 'route', 'get', address])).stdout;
  if (!route.includes(`dev ${sb.cluster.bridge} `)) throw new Error(`refusing to probe ${address}: not routed to the sandbox bridge (${route.trim()})`);
  return address;
}

async function noProcess(pattern: string): Promise<boolean> {
  return (await sandbox().hostExec(node(1), `pgrep -f '${pattern}' || true`)).stdout === '';
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

test('exec: stdout, stderr, exit codes, env and stdin', async (t) => {
  const root1 = await rootOne();
  t.like(await root1.exec('echo out; echo err >&2; exit 3'), { exitCode: 3, stdout: 'out\n', stderr: 'err\n' });
  t.like(await root1.exec('hostname'), { exitCode: 0, stdout: 'node1\n', stderr: '' });
  const nasty = `x'; rm -rf / #"$(id)`;
  t.is((await root1.exec(`printf %s "$V"`, { env: { V: nasty } })).stdout, nasty);
  t.is((await root1.exec('cat', { stdin: 'from a string' })).stdout, 'from a string');
  t.is((await root1.exec('wc -c', { stdin: Buffer.alloc(100_000, 1) })).stdout.trim(), '100000');
  const chunks: string[] = [];
  await root1.exec('echo one; sleep 0.3; echo two', { onStdout: (c) => chunks.push(c) });
  t.deepEqual(chunks, ['one\n', 'two\n']);
  const killed = await root1.exec('kill -9 $$');
  t.like(killed, { exitCode: 255, signal: 'KILL' });
});

// serial: the numbers it logs mean something only without the other tests competing for CPU
test.serial('round trip of a command on the open connection (logged)', async (t) => {
  const root1 = await rootOne();
  const time = async (tr: Transport): Promise<number> => {
    const times: number[] = [];
    for (let i = 0; i < 40; i++) {
      const s = performance.now();
      await tr.exec('true');
      times.push(performance.now() - s);
    }
    return median(times);
  };
  const connectStarted = performance.now();
  const nagle = await connect(specFor(node(2), { tcpNoDelay: false }));
  const connectMs = performance.now() - connectStarted;
  const withNoDelay = await time(root1);
  const withNagle = await time(nagle);
  t.log(`connect ${connectMs.toFixed(0)} ms; exec round trip median: TCP_NODELAY ${withNoDelay.toFixed(1)} ms, Nagle ${withNagle.toFixed(1)} ms`);
  t.true(withNoDelay < 500);
});

// serial: the numbers it logs mean something only without the other tests competing for CPU
test.serial('50 concurrent commands on one connection', async (t) => {
  const run50 = async (tr: Transport): Promise<number> => {
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => tr.exec(`sleep 0.2; echo ${i}`)));
    t.deepEqual(
      results.map((r) => r.stdout),
      results.map((_, i) => `${i}\n`),
    );
    return performance.now() - started;
  };
  // the default limit suits sshd's default MaxSessions 10; the sandbox's sshd allows 100
  const queued = await run50(await rootOne());
  const parallel = await run50(await connect(specFor(node(1), { maxSessions: 100 })));
  t.log(`50 commands of 0.2 s: ${queued.toFixed(0)} ms with 9 at a time, ${parallel.toFixed(0)} ms all at once`);
});

// serial: the numbers it logs mean something only without the other tests competing for CPU
test.serial('put and get a 64 MB file, sha256 equal, mode honoured', async (t) => {
  const root1 = await rootOne();
  const size = 64 * 1024 * 1024;
  const hash = createHash('sha256');
  const randomChunks = async function* (): AsyncGenerator<Buffer> {
    for (let i = 0; i < 64; i++) {
      const c = await randomBytesAsync(1024 * 1024);
      hash.update(c);
      yield c;
    }
  };
  const dest = '/tmp/rb-transport-64m.bin';
  let s = performance.now();
  await root1.put(Readable.from(randomChunks()), dest, { mode: 0o600 });
  const putMs = performance.now() - s;
  const expected = hash.digest('hex');
  t.is(await sha256Remote(root1, dest), expected);
  t.is((await root1.exec(`stat -c %a ${dest}`)).stdout.trim(), '600');
  s = performance.now();
  const back = createHash('sha256');
  let bytes = 0;
  for await (const c of await root1.get(dest)) {
    back.update(c as Buffer);
    bytes += (c as Buffer).length;
  }
  const getMs = performance.now() - s;
  t.is(bytes, size);
  t.is(back.digest('hex'), expected);
  t.log(`put ${(64 / (putMs / 1000)).toFixed(0)} MB/s, get ${(64 / (getMs / 1000)).toFixed(0)} MB/s`);
  await root1.exec(`rm -f ${dest}`);
});

test('get of a missing file fails the stream with the reason', async (t) => {
  const root1 = await rootOne();
  const stream = await root1.get('/nonexistent/file');
  const err = await t.throwsAsync(async () => {
    for await (const _ of stream) void _;
  });
  t.true(err instanceof CommandError);
  t.regex(err!.message, /node1: cannot read \/nonexistent\/file: .*No such file/);
});

test('become through the sudo user: root commands and a put to a root-owned path', async (t) => {
  const sb = sandbox();
  const ops = await connect(specFor(node(1), {}, sb.sudoUser));
  t.is((await ops.exec('id -un')).stdout, `${sb.sudoUser}\n`);
  t.is((await ops.exec('id -un', { become: {} })).stdout, 'root\n');
  t.is((await ops.exec('id -un', { become: { user: 'nobody' } })).stdout, 'nobody\n');
  t.is((await ops.exec('printf %s "$V"', { env: { V: 'a b; c' }, become: {} })).stdout, 'a b; c');

  const dest = '/root/rb-transport-become.conf';
  const denied = await t.throwsAsync(ops.put('x', dest), { instanceOf: CommandError });
  t.regex(denied!.message, /Permission denied/);
  await ops.put('owned by root\n', dest, { become: {}, mode: 0o640 });
  const stat = await sb.hostExec(node(1), `stat -c '%U %a' ${dest}; cat ${dest}`);
  t.is(stat.stdout, 'root 640\nowned by root\n');

  // put only creates: the same path again is refused, and left as it was
  const again = await t.throwsAsync(ops.put('x', dest, { become: {}, mode: 0o640 }), { instanceOf: CommandError });
  t.regex(again!.message, /already exists/);
  await sb.hostExec(node(1), `rm -f ${dest}`);

  // the sandbox's sudo is NOPASSWD: a become password must then not end up in the file
  await ops.put(Readable.from([Buffer.from('exact content\n')]), dest, { become: { password: 'not-asked' } });
  t.is((await sb.hostExec(node(1), `cat ${dest}`)).stdout, 'exact content\n');
  const read: Buffer[] = [];
  for await (const c of await ops.get(dest, { become: {} })) read.push(c as Buffer);
  t.is(Buffer.concat(read).toString(), 'exact content\n');
  await sb.hostExec(node(1), `rm -f ${dest}`);
});

test('an unknown host is refused, showing its fingerprint', async (t) => {
  const kh = join(work, 'empty_known_hosts');
  writeFileSync(kh, '');
  const hostKey = (await sandbox().hostExec(node(1), 'cat /etc/ssh/ssh_host_ed25519_key.pub')).stdout.split(' ')[1]!;
  const err = await t.throwsAsync(connectSsh(specFor(node(1), { knownHostsFiles: [kh] })), { instanceOf: HostKeyError });
  t.true(err!.message.includes(fingerprint(Buffer.from(hostKey, 'base64'))));
  t.regex(err!.message, /is not known/);
  t.is(err!.exitCode, 4);
});

test('a changed host key is refused even with accept-new, with both fingerprints and the fix', async (t) => {
  const kh = join(work, 'wrong_known_hosts');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(work, 'other_host_key')]);
  const wrong = readFileSync(join(work, 'other_host_key.pub'), 'utf8').split(' ');
  writeFileSync(kh, `# stale entry\n${node(1).ip} ${wrong[0]} ${wrong[1]}\n`);
  const err = (await t.throwsAsync(connectSsh(specFor(node(1), { knownHostsFiles: [kh], acceptNewHostKeys: true })), {
    instanceOf: HostKeyError,
  })) as HostKeyError;
  t.is(err.expected, fingerprint(Buffer.from(wrong[1]!, 'base64')));
  t.true(err.message.includes(err.expected!));
  t.true(err.message.includes(err.actual));
  t.true(err.message.includes(`${kh}:2`));
  t.true(err.hint!.includes(`ssh-keygen -R ${node(1).ip} -f ${kh}`));
  t.log(err.message);
});

test('accept-new records the key in a new 0600 known_hosts file', async (t) => {
  const kh = join(work, 'fresh', 'known_hosts');
  const added: string[] = [];
  const tr = await connect(specFor(node(2), { knownHostsFiles: [kh], acceptNewHostKeys: true }), {
    hostKeyAdded: (host, file, fp) => added.push(`${host} ${file} ${fp}`),
  });
  t.is((await tr.exec('hostname')).stdout, 'node2\n');
  t.true(existsSync(kh));
  t.is(statSync(kh).mode & 0o777, 0o600);
  const line = readFileSync(kh, 'utf8');
  t.regex(line, new RegExp(`^${node(2).ip.replace(/\./g, '\\.')} ssh-ed25519 \\S+\\n$`));
  t.is(added.length, 1);
  // and now it is simply known
  const again = await connect(specFor(node(2), { knownHostsFiles: [kh], acceptNewHostKeys: false }));
  t.is((await again.exec('hostname')).stdout, 'node2\n');
});

test('a wrong user or a wrong key is an AuthError that says what was tried', async (t) => {
  const wrongUser = await t.throwsAsync(connectSsh(specFor(node(1), {}, 'nosuchuser')), { instanceOf: AuthError });
  t.is(
    wrongUser!.message,
    `node1: nosuchuser@${node(1).ip}: authentication failed (tried: key ${sandbox().keyFile}); check ansible_user / ansible_ssh_private_key_file`,
  );
  const otherKey = join(work, 'not_authorized');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
  const wrongKey = await t.throwsAsync(connectSsh(specFor(node(1), { privateKeyFiles: [otherKey] })), { instanceOf: AuthError });
  t.regex(wrongKey!.message, new RegExp(`tried: key ${otherKey}\\)`));
  t.is(wrongKey!.exitCode, 4);
});

test('an address where no host answers fails with ConnectError within the timeout', async (t) => {
  const address = await ghostAddress(99);
  const started = Date.now();
  const err = await t.throwsAsync(connectSsh(specFor(node(1), { name: 'ghost', address, connectTimeoutMs: 1500 })), {
    instanceOf: ConnectError,
  });
  const ms = Date.now() - started;
  t.false(err instanceof AuthError || err instanceof HostKeyError);
  // the point is that it does not hang; the exact time depends on ARP and on the machine's load
  t.true(ms < 15_000, `took ${ms} ms`);
  t.log(`${err!.message} (after ${ms} ms)`);
});

test('a connection dropped mid-command fails that command and every later one', async (t) => {
  const tr = await connect(specFor(node(2)));
  // the shell's parent is the sshd process serving this one connection
  const sshdPid = (await tr.exec('echo $PPID')).stdout.trim();
  const running = tr.exec('sleep 60');
  await new Promise((r) => setTimeout(r, 200));
  const started = Date.now();
  await sandbox().hostExec(node(2), `kill -9 ${sshdPid}`);
  const err = await t.throwsAsync(running, { instanceOf: ConnectError });
  t.regex(err!.message, /^node2: connection lost/);
  t.true(Date.now() - started < 15_000);
  await t.throwsAsync(tr.exec('true'), { instanceOf: ConnectError, message: /connection lost/ });
  await t.throwsAsync(tr.put('x', '/tmp/x'), { instanceOf: ConnectError });
});

test('the pool connects again after a connection was lost, with the host key checked again', async (t) => {
  const pool = new ConnectionPool(new Map([[node(2).inventoryName, specFor(node(2))]]));
  t.teardown(() => pool.closeAll());
  const first = await pool.get('node2');
  t.is(await pool.get('node2'), first, 'one connection while it lives');
  const sshdPid = (await first.exec('echo $PPID')).stdout.trim();
  await sandbox().hostExec(node(2), `kill -9 ${sshdPid}`);
  await t.throwsAsync(first.exec('sleep 5'), { instanceOf: ConnectError, message: /connection lost/ });
  t.true(first.lost);
  const second = await pool.get('node2');
  t.not(second, first);
  t.false(second.lost);
  t.is((await second.exec('hostname')).stdout, 'node2\n');
  t.not((await second.exec('echo $PPID')).stdout.trim(), sshdPid, 'a new sshd session');
  // closed by us is not lost: the pool hands out nothing after closeAll
  await pool.closeAll();
  t.false(second.lost);
  await t.throwsAsync(pool.get('node2'), { instanceOf: ConnectError, message: /connections are closed/ });
});

test.serial('a network that silently drops packets is noticed by keepalive', async (t) => {
  const sb = sandbox();
  const tr = await connect(specFor(node(3), { keepaliveIntervalMs: 300, keepaliveCountMax: 2 }));
  const running = tr.exec('sleep 60');
  await new Promise((r) => setTimeout(r, 200));
  // link down also removes the subnet route, which the sandbox adds by hand: put it back after
  const routes = (await sb.hostExec(node(3), 'ip -4 route show dev eth0')).stdout.trim().split('\n');
  const started = Date.now();
  await sb.hostExec(node(3), 'ip link set eth0 down');
  try {
    const err = await t.throwsAsync(running, { instanceOf: ConnectError });
    t.regex(err!.message, /connection lost/);
    t.true(Date.now() - started < 20_000);
    t.log(`${err!.message} after ${Date.now() - started} ms`);
  } finally {
    await sb.hostExec(node(3), ['ip link set eth0 up', ...routes.map((r) => `ip route replace ${r} dev eth0`)].join('\n'));
  }
  const back = await connect(specFor(node(3)));
  t.is((await back.exec('hostname')).stdout, 'node3\n');
});

test('ProxyJump: a sandbox host reached through another one', async (t) => {
  const sb = sandbox();
  const spec = resolveConnectionSpec(
    'node2',
    { address: node(2).ip, user: 'root', keyFile: sb.keyFile, knownHosts: sb.knownHosts, proxyJump: `root@${node(1).ip}` },
    { sshConfigFile: '/dev/null' },
  );
  t.is(spec.proxyJump?.address, node(1).ip);
  const tr = await connect(spec);
  t.is((await tr.exec('hostname')).stdout, 'node2\n');
  // the target sees the jump host as the client
  t.is((await tr.exec('echo ${SSH_CLIENT%% *}')).stdout, `${node(1).ip}\n`);
  t.is((await tr.exec('cat', { stdin: 'through the bastion' })).stdout, 'through the bastion');

  // a jump host that refuses us fails the target, keeping the kind of failure
  const refused = await t.throwsAsync(connectSsh({ ...spec, proxyJump: { ...spec.proxyJump!, user: 'nosuchuser' } }), { instanceOf: AuthError });
  t.regex(refused!.message, /^node2: through jump host .*nosuchuser@.*authentication failed/);
  t.log(refused!.message);

  // in a pool, targets behind the same bastion share one connection to it
  const specs = new Map([node(2), node(3)].map((h) => [h.inventoryName, { ...specFor(h), proxyJump: specFor(node(1)) }]));
  const pool = new ConnectionPool(specs);
  const results = await pool.connectAll(['node2', 'node3']);
  for (const r of results.values()) t.false(r instanceof Error, String(r));
  const via3 = await pool.get('node3');
  t.is((await via3.exec('echo ${SSH_CLIENT%% *}')).stdout, `${node(1).ip}\n`);
  await pool.closeAll();
});

test('a command timeout stops the remote command and reports 124', async (t) => {
  const root1 = await rootOne();
  const sb = sandbox();
  const r = await root1.exec('sleep 987; echo never', { timeoutMs: 500 });
  t.like(r, { exitCode: 124, timedOut: true, stdout: '' });
  t.log(`timed out command returned after ${r.durationMs} ms`);
  await eventually(t, 'sleep 987 is gone from the host', () => noProcess('sleep 98[7]'));

  // under sudo as the non-root user too
  const ops = await connect(specFor(node(1), {}, sb.sudoUser));
  const r2 = await ops.exec('sleep 988', { become: {}, timeoutMs: 500 });
  t.true(r2.timedOut);
  await eventually(t, 'sleep 988 (under sudo) is gone from the host', () => noProcess('sleep 98[8]'));
});

test('an aborted command rejects at once and is stopped on the host', async (t) => {
  const root1 = await rootOne();
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error('interrupted')), 300);
  await t.throwsAsync(root1.exec('sleep 989', { signal: ac.signal }), { message: 'interrupted' });
  await eventually(t, 'sleep 989 is gone from the host', () => noProcess('sleep 98[9]'));
});

test('forward: a TCP stream to a port as seen from the host (sshd banner)', async (t) => {
  const root1 = await rootOne();
  const sock = await root1.forward(node(1).ip, 22);
  const banner = await new Promise<string>((resolve) => sock.once('data', (d: Buffer) => resolve(d.toString())));
  sock.destroy();
  t.regex(banner, /^SSH-2\.0-OpenSSH/);
  await t.throwsAsync(root1.forward('127.0.0.1', 1), { instanceOf: ConnectError });
});

test('~/.ssh/config style settings: alias, HostName, User, IdentityFile, UserKnownHostsFile', async (t) => {
  const sb = sandbox();
  const cfg = join(work, 'ssh_config');
  writeFileSync(
    cfg,
    // ConnectTimeout is read from the file; generous, because a handshake on a busy shared machine
    // can take seconds, and this test is about which settings are read, not about speed
    `Host sb-*\n  User root\n  IdentityFile ${sb.keyFile}\n  UserKnownHostsFile ${sb.knownHosts}\n  ConnectTimeout 60\nHost sb-three\n  HostName ${node(3).ip}\n`,
  );
  const spec = resolveConnectionSpec('sb-three', {}, { sshConfigFile: cfg });
  delete spec.agent;
  t.like(spec, { address: node(3).ip, user: 'root', connectTimeoutMs: 60_000 });
  const tr = await connect(spec);
  t.is((await tr.exec('hostname')).stdout, 'node3\n');
});

test('an encrypted key: the passphrase is asked once for all hosts of a pool', async (t) => {
  const sb = sandbox();
  const key = join(work, 'encrypted_key');
  writeFileSync(key, readFileSync(sb.keyFile), { mode: 0o600 });
  await run('ssh-keygen', ['-q', '-p', '-P', '', '-N', 'correct horse', '-f', key]);
  const asked: string[] = [];
  const specs = new Map([node(1), node(2), node(3)].map((h) => [h.inventoryName, specFor(h, { privateKeyFiles: [key] })]));
  const pool = new ConnectionPool(specs, {
    passphrase: async (file) => {
      asked.push(file);
      await new Promise((r) => setTimeout(r, 50));
      return 'correct horse';
    },
  });
  const results = await pool.connectAll(['node1', 'node2', 'node3'], { concurrency: 3 });
  for (const r of results.values()) t.false(r instanceof Error, String(r));
  t.deepEqual(asked, [key]);
  await pool.closeAll();
});

test('ssh-agent authentication', async (t) => {
  const sb = sandbox();
  const sock = join(work, 'agent.sock');
  const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
    await run('ssh-add', [sb.keyFile], { env: { ...process.env, SSH_AUTH_SOCK: sock } });
    const tr = await connect(specFor(node(1), { agent: sock, privateKeyFiles: [join(work, 'no-such-key')] }));
    t.is((await tr.exec('id -un')).stdout, 'root\n');
  } finally {
    agent.kill();
  }
});

test('the pool connects all hosts up front and reports the unreachable one', async (t) => {
  const specs = new Map<string, ConnectionSpec>([
    ...[node(1), node(2), node(3)].map((h) => [h.inventoryName, specFor(h)] as const),
    ['ghost', specFor(node(1), { name: 'ghost', address: await ghostAddress(98), connectTimeoutMs: 1500 })],
  ]);
  const pool = new ConnectionPool(specs);
  const started = Date.now();
  const results = await pool.connectAll([...specs.keys()], { concurrency: 4 });
  t.log(`4 hosts (one unreachable) in ${Date.now() - started} ms`);
  t.deepEqual(
    [...results].map(([h, r]) => [h, r instanceof ConnectError]),
    [
      ['node1', false],
      ['node2', false],
      ['node3', false],
      ['ghost', true],
    ],
  );
  t.is(await pool.get('node1'), results.get('node1') as Transport);
  await pool.closeAll();
});

// Measurements behind the choices in docs/connections.md; slow, so only on request.
const bench = process.env.RUNBOOK_TRANSPORT_BENCH ? test.serial : test.serial.skip;

bench('benchmark: put 256 MB through an exec channel vs SFTP', async (t) => {
  const root1 = await rootOne();
  const { default: ssh2 } = await import('ssh2');
  const sb = sandbox();
  const size = 256 * 1024 * 1024;
  const file = join(work, 'big.bin');
  writeFileSync(file, randomBytes(size));
  const rate = (ms: number): string => `${(size / 1048576 / (ms / 1000)).toFixed(0)} MB/s`;
  const { createReadStream } = await import('node:fs');
  for (let round = 1; round <= 3; round++) {
    let s = performance.now();
    await root1.exec('rm -f /tmp/rb-bench-exec.bin');
    await root1.put(createReadStream(file), '/tmp/rb-bench-exec.bin');
    const execMs = performance.now() - s;
    const client = new ssh2.Client();
    await new Promise<void>((res, rej) =>
      client.on('ready', () => res()).on('error', rej).connect({ host: node(1).ip, username: 'root', privateKey: readFileSync(sb.keyFile) }),
    );
    const sftp = await new Promise<import('ssh2').SFTPWrapper>((res, rej) => client.sftp((e, x) => (e ? rej(e) : res(x))));
    s = performance.now();
    await new Promise<void>((res, rej) => sftp.fastPut(file, '/tmp/rb-bench-sftp.bin', (e) => (e ? rej(e) : res())));
    const fastPutMs = performance.now() - s;
    s = performance.now();
    await new Promise<void>((res, rej) => {
      const w = sftp.createWriteStream('/tmp/rb-bench-sftp.bin');
      w.on('close', () => res()).on('error', rej);
      createReadStream(file).pipe(w);
    });
    const streamMs = performance.now() - s;
    client.end();
    t.log(`round ${round}: exec channel ${rate(execMs)}, sftp fastPut ${rate(fastPutMs)}, sftp write stream ${rate(streamMs)}`);
  }
  await root1.exec('rm -f /tmp/rb-bench-exec.bin /tmp/rb-bench-sftp.bin');
  t.pass();
});
