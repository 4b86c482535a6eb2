import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { ConfigError } from '../../../src/errors.js';
import { connectionVars } from '../../../src/inventory/connection-vars.js';
import { resolveConnectionSpec } from '../../../src/transport/connection-spec.js';
import { localUser } from '../../../src/transport/ssh-config.js';

const dir = mkdtempSync(join(tmpdir(), 'rb-spec-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));
const sshConfigFile = join(dir, 'config');
writeFileSync(
  sshConfigFile,
  `
Host 10.250.1.*
  User cfguser
  Port 2201
  IdentityFile ~/.ssh/cfg_key
  UserKnownHostsFile /cfg/known_hosts
  StrictHostKeyChecking accept-new
  ConnectTimeout 3
  ServerAliveInterval 5

Host alias1
  HostName 10.250.1.11

Host bastion
  HostName 10.250.9.9
  User jumper
  IdentityFile /keys/bastion

Host loop-a
  ProxyJump loop-b
Host loop-b
  ProxyJump loop-a
`,
);

test('defaults: port 22, the local user, ~/.ssh/known_hosts, no key files (auth tries the defaults)', (t) => {
  const s = resolveConnectionSpec('node1', { address: '192.0.2.1' }, { sshConfigFile: join(dir, 'missing') });
  t.like(s, { name: 'node1', connection: 'ssh', address: '192.0.2.1', port: 22, user: localUser(), acceptNewHostKeys: false, connectTimeoutMs: 10_000 });
  t.deepEqual(s.privateKeyFiles, []);
  t.deepEqual(s.knownHostsFiles, [join(homedir(), '.ssh', 'known_hosts')]);
  t.is(s.proxyJump, undefined);
});

test('ssh config fills what the inventory leaves unset', (t) => {
  const s = resolveConnectionSpec('node1', { address: '10.250.1.11' }, { sshConfigFile });
  t.like(s, { address: '10.250.1.11', port: 2201, user: 'cfguser', acceptNewHostKeys: true, connectTimeoutMs: 3000, keepaliveIntervalMs: 5000 });
  t.deepEqual(s.privateKeyFiles, [join(homedir(), '.ssh', 'cfg_key')]);
  t.deepEqual(s.knownHostsFiles, ['/cfg/known_hosts']);
});

test('the inventory wins over ssh config, the CLI sits between', (t) => {
  const s = resolveConnectionSpec(
    'node1',
    { address: '10.250.1.11', port: 22, user: 'invuser', keyFile: '/inv/key', knownHosts: '/inv/kh' },
    { sshConfigFile, user: 'cliuser', acceptNewHostKeys: false, connectTimeoutMs: 9000 },
  );
  t.like(s, { port: 22, user: 'invuser', acceptNewHostKeys: false, connectTimeoutMs: 9000 });
  t.deepEqual(s.privateKeyFiles, ['/inv/key']);
  t.deepEqual(s.knownHostsFiles, ['/inv/kh']);
  t.is(resolveConnectionSpec('node1', { address: '10.250.1.11' }, { sshConfigFile, user: 'cliuser' }).user, 'cliuser');
});

test('the inventory name is looked up when there is no address, and HostName applies', (t) => {
  const s = resolveConnectionSpec('alias1', {}, { sshConfigFile });
  t.is(s.name, 'alias1');
  t.is(s.address, '10.250.1.11');
  // the Host 10.250.1.* block matched the alias, not the HostName, so it does not apply (as in OpenSSH)
  t.is(s.port, 22);
});

test('ProxyJump chains resolve through ssh config; jump hosts inherit keys and known_hosts', (t) => {
  const s = resolveConnectionSpec('node2', { address: '192.0.2.2', keyFile: '/inv/key', knownHosts: '/inv/kh', proxyJump: 'root@192.0.2.1:2222,bastion' }, { sshConfigFile });
  const last = s.proxyJump!;
  t.like(last, { name: 'bastion', address: '10.250.9.9', user: 'jumper', port: 22 });
  t.deepEqual(last.privateKeyFiles, ['/keys/bastion']);
  t.deepEqual(last.knownHostsFiles, ['/inv/kh']);
  const first = last.proxyJump!;
  t.like(first, { name: 'root@192.0.2.1:2222', address: '192.0.2.1', user: 'root', port: 2222 });
  t.deepEqual(first.privateKeyFiles, ['/inv/key']);
  t.is(first.proxyJump, undefined);
});

test('a ProxyJump from ssh config applies when the inventory has none', (t) => {
  writeFileSync(join(dir, 'jumpcfg'), 'Host 10.250.7.*\n  ProxyJump root@10.250.7.1\n');
  const s = resolveConnectionSpec('n', { address: '10.250.7.5' }, { sshConfigFile: join(dir, 'jumpcfg') });
  t.is(s.proxyJump?.address, '10.250.7.1');
  // the jump host matches the same block; as in OpenSSH it is reached directly, not through itself
  t.is(resolveConnectionSpec('n', { address: '10.250.7.1' }, { sshConfigFile: join(dir, 'jumpcfg') }).proxyJump, undefined);
});

test('a ProxyJump loop in ssh config is a configuration error', (t) => {
  t.throws(() => resolveConnectionSpec('x', { address: 'loop-a' }, { sshConfigFile }), { instanceOf: ConfigError, message: /longer than/ });
});

test('connection local and the implicit localhost', (t) => {
  t.is(resolveConnectionSpec('ctl', { connection: 'local' }, { sshConfigFile }).connection, 'local');
  t.is(resolveConnectionSpec('localhost', {}, { sshConfigFile }).connection, 'local');
  t.is(resolveConnectionSpec('localhost', { address: '127.0.0.1' }, { sshConfigFile }).connection, 'ssh');
});

test('become settings become the host default; the password is kept apart', (t) => {
  t.deepEqual(resolveConnectionSpec('n', { become: true }, { sshConfigFile }).become, { user: 'root' });
  const s = resolveConnectionSpec('n', { become: true, becomeUser: 'etcd', becomePassword: 'pw' }, { sshConfigFile });
  t.deepEqual(s.become, { user: 'etcd' });
  t.is(s.becomePassword, 'pw');
  // a password alone does not turn become on
  const p = resolveConnectionSpec('n', { becomePassword: 'pw' }, { sshConfigFile });
  t.is(p.become, undefined);
  t.is(p.becomePassword, 'pw');
  t.is(resolveConnectionSpec('n', {}, { sshConfigFile }).become, undefined);
});

test('host keys: /etc/ssh/ssh_known_hosts by default; GlobalKnownHostsFile and HostKeyAlias from ssh config or the inventory\'s ssh args', (t) => {
  const cfg = join(dir, 'config-hostkeys');
  writeFileSync(cfg, 'Host etcd-*\n  HostKeyAlias %n.etcd.internal\n  GlobalKnownHostsFile /etc/ssh/fleet_known_hosts /etc/ssh/extra\nHost none-*\n  GlobalKnownHostsFile none\n');
  const plain = resolveConnectionSpec('node1', { address: '192.0.2.1' }, { sshConfigFile: join(dir, 'missing') });
  t.deepEqual(plain.globalKnownHostsFiles, ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']);
  t.is(plain.hostKeyAlias, undefined);
  const fromConfig = resolveConnectionSpec('etcd-1', { address: 'etcd-1' }, { sshConfigFile: cfg });
  t.deepEqual(fromConfig.globalKnownHostsFiles, ['/etc/ssh/fleet_known_hosts', '/etc/ssh/extra']);
  t.is(fromConfig.hostKeyAlias, 'etcd-1.etcd.internal');
  t.deepEqual(resolveConnectionSpec('none-1', { address: 'none-1' }, { sshConfigFile: cfg }).globalKnownHostsFiles, []);
  const fromArgs = resolveConnectionSpec('node1', connectionVars({ ansible_host: '192.0.2.1', ansible_ssh_common_args: '-o HostKeyAlias=vip -o GlobalKnownHostsFile=/srv/kh' }), { sshConfigFile: cfg });
  t.is(fromArgs.hostKeyAlias, 'vip');
  t.deepEqual(fromArgs.globalKnownHostsFiles, ['/srv/kh']);
});

test('--private-key (or private_key_file in ansible.cfg) beats the ssh config IdentityFile and loses to the inventory', (t) => {
  const fromFlag = resolveConnectionSpec('n1', { address: '10.250.1.11' }, { sshConfigFile, privateKeyFile: '/keys/flag' });
  t.deepEqual(fromFlag.privateKeyFiles, ['/keys/flag']);
  const fromInventory = resolveConnectionSpec('n1', { address: '10.250.1.11', keyFile: '/keys/inv' }, { sshConfigFile, privateKeyFile: '/keys/flag' });
  t.deepEqual(fromInventory.privateKeyFiles, ['/keys/inv']);
  const none = resolveConnectionSpec('n1', { address: '10.250.1.11' }, { sshConfigFile });
  t.deepEqual(none.privateKeyFiles, [join(homedir(), '.ssh/cfg_key')]);
});
