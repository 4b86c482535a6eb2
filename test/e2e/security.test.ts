/**
 * What another local user can do to a run, on the controller and on the hosts (docs/security.md).
 * "Another local user" is uid 65534 (nobody), entered with `setpriv`; on a host, through the
 * sandbox's own nsenter (hostExec), never through the code under test. One small plain etcd
 * sandbox ("sec") serves every test of this file.
 */
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import test from 'ava';
import { closeEtcdClients, callOptions, connectEtcd } from '../../src/etcd/client.js';
import { hostSink } from '../../src/etcd/snapshot-sink.js';
import { CommandError, HostKeyError } from '../../src/errors.js';
import { connectSsh } from '../../src/transport/ssh.js';
import type { Transport } from '../../src/transport/types.js';
import { testSpec } from '../helpers/connection-spec.js';
import { runCli } from '../helpers/runbook-cli.js';
import { useSandbox } from '../helpers/sandbox.js';

const run = promisify(execFile);
const sandbox = useSandbox(test, { name: 'sec', hosts: 1 });
const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

let root: Promise<Transport> | undefined;
function rootOnNode1(): Promise<Transport> {
  const sb = sandbox();
  return (root ??= connectSsh(
    testSpec({ name: 'node1', address: sb.host('node1').ip, privateKeyFiles: [sb.keyFile], knownHostsFiles: [sb.knownHosts], connectTimeoutMs: 10_000, keepaliveIntervalMs: 15_000 }),
  ));
}

test.after.always(async () => {
  await closeEtcdClients();
  if (root) await (await root).close();
});

/** listening TCP and Unix sockets of this process, as `ss` sees them ("127.0.0.1:4123", "/tmp/x.sock") */
async function listenersOfThisProcess(): Promise<string[]> {
  const tag = `pid=${process.pid},`;
  const tcp = (await run('ss', ['-H', '-ltnp'])).stdout.split('\n').filter((l) => l.includes(tag));
  const unix = (await run('ss', ['-H', '-lxnp'])).stdout.split('\n').filter((l) => l.includes(tag));
  return [...tcp.map((l) => l.trim().split(/\s+/)[3]!), ...unix.map((l) => l.trim().split(/\s+/)[4]!)];
}

/** whether uid nobody can open a connection to a listener (`host:port` or a socket path) */
async function nobodyCanConnect(listener: string): Promise<boolean> {
  const target = listener.startsWith('/') ? JSON.stringify({ path: listener }) : JSON.stringify({ host: listener.replace(/:\d+$/, ''), port: Number(listener.split(':').pop()) });
  const probe = `const c = require('net').connect(${target}); c.on('connect', () => process.exit(0)); c.on('error', () => process.exit(1));`;
  try {
    await run('setpriv', [...NOBODY, process.execPath, '-e', probe], { cwd: '/' });
    return true;
  } catch {
    return false;
  }
}

test('the etcd tunnel: while a client is connected, no other local user can reach etcd through it', async (t) => {
  const sb = sandbox();
  const before = new Set(await listenersOfThisProcess());
  const conn = await connectEtcd({ transport: await rootOnNode1(), url: sb.endpoints[0]! });
  try {
    const members = await conn.client.cluster.memberList({}, callOptions(15_000));
    t.is(members.members.length, 1, 'the run itself still talks to etcd');
    const opened = (await listenersOfThisProcess()).filter((l) => !before.has(l));
    t.log(`listeners opened for the connection: ${opened.join(', ') || 'none'}`);
    t.false(opened.some((l) => !l.startsWith('/')), 'no TCP listener');
    for (const l of opened) t.false(await nobodyCanConnect(l), `uid 65534 connected to ${l}`);
  } finally {
    await conn.close();
  }
});

test('the backup host: symlinks planted by a user who can write the backup dir are never written through', async (t) => {
  const sb = sandbox();
  const dir = '/var/backups/shared';
  const file = `${dir}/snap.db`;
  await sb.hostExec(
    'node1',
    [
      `mkdir -p ${dir} && chown 65534:65534 ${dir} && chmod 0755 ${dir}`,
      `printf 'root only\\n' > /root/victim && chmod 0600 /root/victim`,
      `mkdir -p /root/victim-dir && chmod 0700 /root/victim-dir`,
      // every predictable name the sink could use: the sidecar's staging name, both final names
      `setpriv ${NOBODY.join(' ')} ln -s /root/victim ${file}.sha256.part`,
      `setpriv ${NOBODY.join(' ')} ln -s /root/victim-dir ${file}`,
      `setpriv ${NOBODY.join(' ')} ln -s /root/victim-dir ${file}.sha256`,
    ].join(' && '),
  );
  const transport = await rootOnNode1();
  const sink = hostSink(transport, dir, false);
  await sink.receive(Readable.from([Buffer.from('snapshot bytes\n')]));
  await sink.commit(file, 'abc  snap.db\n');

  const after = await sb.hostExec(
    'node1',
    `stat -c '%a %U' /root/victim; cat /root/victim; ls -A /root/victim-dir; stat -c '%F %a' ${file} ${file}.sha256; cat ${file} ${file}.sha256`,
  );
  t.is(
    after.stdout,
    ['600 root', 'root only', 'regular file 600', 'regular file 644', 'snapshot bytes', 'abc  snap.db', ''].join('\n'),
    'the victim file and directory are untouched, the snapshot and its checksum are real files',
  );

  // put itself refuses any existing path, a symlink included, over ssh and through sudo alike
  await sb.hostExec('node1', `setpriv ${NOBODY.join(' ')} ln -s /root/victim ${dir}/planted`);
  const refused = await t.throwsAsync(transport.put('overwritten\n', `${dir}/planted`, { mode: 0o644 }), { instanceOf: CommandError });
  t.regex(refused!.message, /already exists/);
  t.is((await sb.hostExec('node1', `stat -c '%a' /root/victim; cat /root/victim`)).stdout, '600\nroot only\n');
  await sb.hostExec('node1', `rm -rf ${dir} /root/victim /root/victim-dir`);
});

test('the scheduler: a private key or known_hosts file another user can change is refused, naming it and the fix', async (t) => {
  const sb = sandbox();
  const dir = mkdtempSync(join(tmpdir(), 'sc-sched-trust-'));
  const marker = `/root/sched-ran-${process.pid}`;
  const key = join(dir, 'id_ed25519');
  const knownHosts = join(dir, 'known_hosts');
  copyFileSync(sb.keyFile, key);
  chmodSync(key, 0o600);
  copyFileSync(sb.knownHosts, knownHosts);
  chmodSync(knownHosts, 0o644);
  writeFileSync(join(dir, 'site.yaml'), `- name: mark\n  hosts: all\n  tasks:\n    - name: touch\n      command: touch ${marker}\n`);
  writeFileSync(join(dir, 'hosts.yaml'), `all:\n  hosts:\n    node1: {ansible_host: ${sb.host('node1').ip}, ansible_user: root, ansible_ssh_private_key_file: ${key}}\n`);
  const file = join(dir, 'runbook.schedules.yaml');
  writeFileSync(file, `jobs:\n  - {name: mark, playbook: site.yaml, inventory: hosts.yaml, known_hosts: known_hosts, cron: "0 3 * * *", yes: true, lock: none}\n`);
  const once = () => runCli(['schedule', 'run', '--file', file, '--once', 'mark'], 120_000);
  const ran = async () => (await sb.hostExec('node1', `test -e ${marker} && echo yes || echo no`)).stdout.trim() === 'yes';

  chownSync(key, 65534, 65534);
  const keyRefused = await once();
  t.not(keyRefused.code, 0);
  t.regex(keyRefused.stdout, new RegExp(`private key ${key} is owned by uid 65534, not by root.*chown root ${key}`));
  t.false(await ran(), 'nothing ran on the host');

  chownSync(key, 0, 0);
  chmodSync(knownHosts, 0o666);
  const knownHostsRefused = await once();
  t.not(knownHostsRefused.code, 0);
  t.regex(knownHostsRefused.stdout, new RegExp(`known_hosts file ${knownHosts} can be written by its group and every user \\(mode 0666\\).*chmod go-w ${knownHosts}`));
  t.false(await ran(), 'nothing ran on the host');

  chmodSync(knownHosts, 0o644);
  const ok = await once();
  t.is(ok.code, 0, ok.stdout + ok.stderr);
  t.true(await ran(), 'with the files fixed the job runs');
  await sb.hostExec('node1', `rm -f ${marker}`);
});

test.serial('host certificates: a real sshd HostCertificate from `ssh-keygen -s` is trusted through @cert-authority (global file, HostKeyAlias), checked, and never replaced by a pinned plain key', async (t) => {
  const sb = sandbox();
  const ip = sb.host('node1').ip;
  const dir = mkdtempSync(join(tmpdir(), 'sc-hostcert-'));
  const ca = join(dir, 'host_ca');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'sandbox host CA', '-f', ca]);
  const caPublic = readFileSync(`${ca}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const hostKey = join(dir, 'ssh_host_ed25519_key.pub');
  writeFileSync(hostKey, (await sb.hostExec('node1', 'cat /etc/ssh/ssh_host_ed25519_key.pub')).stdout);
  const userKnownHosts = join(dir, 'known_hosts');
  const globalKnownHosts = join(dir, 'ssh_known_hosts');
  writeFileSync(userKnownHosts, '');
  const spec = (over: Partial<Parameters<typeof testSpec>[0]> = {}) =>
    testSpec({ name: 'node1', address: ip, privateKeyFiles: [sb.keyFile], knownHostsFiles: [userKnownHosts], globalKnownHostsFiles: [globalKnownHosts], connectTimeoutMs: 10_000, keepaliveIntervalMs: 15_000, ...over });
  /** sign the host key for `principals`, make it sshd's HostCertificate, and let sshd re-read its config */
  const installCertificate = async (principals: string) => {
    await run('ssh-keygen', ['-q', '-s', ca, '-h', '-I', 'node1', '-n', principals, '-V', '-5m:+1h', hostKey]);
    const cert = readFileSync(join(dir, 'ssh_host_ed25519_key-cert.pub'), 'utf8');
    await sb.hostExec('node1', `printf '%s' ${JSON.stringify(cert)} > /etc/ssh/ssh_host_ed25519_key-cert.pub && (grep -q '^HostCertificate' /etc/ssh/sshd_config || echo 'HostCertificate /etc/ssh/ssh_host_ed25519_key-cert.pub' >> /etc/ssh/sshd_config) && kill -HUP "$(cat /run/sshd.pid)"`);
    await untilSshdAnswers();
  };
  const untilSshdAnswers = async () => {
    for (let i = 0; i < 50; i++) {
      const r = await sb.hostExec('node1', `ssh-keyscan -T 2 -c ${ip} 2>/dev/null | grep -c cert-v01 || true`, { allowFail: true });
      if (r.stdout.trim() !== '' && r.stdout.trim() !== '0') return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('sshd did not come back with its certificate');
  };
  const connectAndRun = async (s: ReturnType<typeof spec>) => {
    const tr = await connectSsh(s);
    try {
      return (await tr.exec('echo certified')).stdout.trim();
    } finally {
      await tr.close();
    }
  };
  try {
    // no certificate yet: a host the CA vouches for shows a plain key, which accept-new must not pin
    writeFileSync(globalKnownHosts, `@cert-authority 10.250.*,etcd-vip ${caPublic}\n`);
    const plain = await t.throwsAsync(connectSsh(spec({ acceptNewHostKeys: true })), { instanceOf: HostKeyError });
    t.regex(plain!.message, /is trusted through a certificate authority .* presented a plain ssh-ed25519 key .* not pinned, even with accept-new/);
    t.is(readFileSync(userKnownHosts, 'utf8'), '', 'nothing was pinned');

    await installCertificate(`${ip},node1`);
    t.is(await connectAndRun(spec()), 'certified', 'the certificate is trusted through the global file\'s @cert-authority line');
    t.is(readFileSync(userKnownHosts, 'utf8'), '', 'and no plain key was recorded');

    writeFileSync(globalKnownHosts, `@cert-authority 10.250.* ${caPublic}\n@revoked * ${caPublic}\n`);
    await t.throwsAsync(connectSsh(spec()), { instanceOf: HostKeyError, message: /revoked/ });

    // a certificate for another name: refused for the address, accepted under that HostKeyAlias
    await installCertificate('etcd-vip');
    writeFileSync(globalKnownHosts, `@cert-authority 10.250.*,etcd-vip ${caPublic}\n`);
    await t.throwsAsync(connectSsh(spec()), { instanceOf: HostKeyError, message: new RegExp(`it is for etcd-vip, not for ${ip.replace(/\./g, '\\.')}`) });
    t.is(await connectAndRun(spec({ hostKeyAlias: 'etcd-vip' })), 'certified');
  } finally {
    await sb.hostExec('node1', `sed -i '/^HostCertificate/d' /etc/ssh/sshd_config; rm -f /etc/ssh/ssh_host_ed25519_key-cert.pub; kill -HUP "$(cat /run/sshd.pid)"`, { allowFail: true });
  }
});
