import test from 'ava';
import { join } from 'node:path';
import { ConfigError } from '../../../src/errors.js';
import { connectionVars, sshArgsConnection } from '../../../src/inventory/connection-vars.js';
import { loadInventory } from '../../../src/inventory/load.js';
import { FIXTURES } from './_temp-inventory.js';

test("Ansible's names", (t) => {
  t.deepEqual(
    connectionVars({
      ansible_host: '192.0.2.11',
      ansible_port: 2222,
      ansible_user: 'ops',
      ansible_ssh_private_key_file: '~/.ssh/etcd',
      ansible_password: 'pw',
      ansible_become: 'yes',
      ansible_become_user: 'etcd',
      ansible_become_password: 'sudo-pw',
      ansible_connection: 'ssh',
      ansible_ssh_common_args: '-o ProxyJump=ops@192.0.2.10',
    }),
    {
      address: '192.0.2.11',
      port: 2222,
      user: 'ops',
      keyFile: '~/.ssh/etcd',
      password: 'pw',
      become: true,
      becomeUser: 'etcd',
      becomePassword: 'sudo-pw',
      connection: 'ssh',
      proxyJump: 'ops@192.0.2.10',
    },
  );
});

test("runbook's short names", (t) => {
  t.deepEqual(
    connectionVars({
      host: '192.0.2.12',
      port: '22',
      user: 'root',
      key_file: '/keys/id',
      password: 'x',
      become: false,
      become_user: 'root',
      become_password: 'y',
      connection: 'local',
      proxy_jump: 'bastion.example.com:2200',
      known_hosts: '/etc/runbook/known_hosts',
    }),
    {
      address: '192.0.2.12',
      port: 22,
      user: 'root',
      keyFile: '/keys/id',
      password: 'x',
      become: false,
      becomeUser: 'root',
      becomePassword: 'y',
      connection: 'local',
      proxyJump: 'bastion.example.com:2200',
      knownHosts: '/etc/runbook/known_hosts',
    },
  );
  t.deepEqual(connectionVars({ runbook_known_hosts: '/kh' }), { knownHosts: '/kh' });
});

test('the short name wins over the ansible_ one', (t) => {
  const c = connectionVars({ ansible_host: '192.0.2.1', host: '192.0.2.2', ansible_user: 'a', user: 'b', proxy_jump: 'j1', ansible_ssh_common_args: '-J j2' });
  t.like(c, { address: '192.0.2.2', user: 'b', proxyJump: 'j1' });
});

test("among Ansible's aliases, the later one in Ansible's list wins", (t) => {
  t.like(connectionVars({ ansible_host: 'a', ansible_ssh_host: 'b' }), { address: 'b' });
  t.like(connectionVars({ ansible_private_key_file: 'a', ansible_ssh_private_key_file: 'b' }), { keyFile: 'b' });
  t.like(connectionVars({ ansible_ssh_pass: 'old' }), { password: 'old' });
  t.like(connectionVars({ ansible_become_pass: 'old' }), { becomePassword: 'old' });
});

test('unset and null values are left out', (t) => {
  t.deepEqual(connectionVars({}), {});
  t.deepEqual(connectionVars({ ansible_user: null, other: 1 }), {});
});

test("booleans as Ansible reads them", (t) => {
  for (const yes of [true, 'yes', 'True', 'on', '1', 1]) t.true(connectionVars({ ansible_become: yes }).become, String(yes));
  for (const no of [false, 'no', 'False', 'off', '0', 0]) t.false(connectionVars({ ansible_become: no }).become, String(no));
  t.throws(() => connectionVars({ become: 'maybe' }), { instanceOf: ConfigError, message: /`become` is "maybe", expected a boolean/ });
});

test('connection types: smart and paramiko mean ssh; others are refused', (t) => {
  t.is(connectionVars({ ansible_connection: 'smart' }).connection, 'ssh');
  t.is(connectionVars({ ansible_connection: 'paramiko' }).connection, 'ssh');
  t.is(connectionVars({ ansible_connection: 'ansible.builtin.local' }).connection, 'local');
  t.throws(() => connectionVars({ ansible_connection: 'docker' }), { instanceOf: ConfigError, message: /expected `ssh` or `local`/ });
});

test('bad ports are refused', (t) => {
  t.throws(() => connectionVars({ ansible_port: 'ssh' }), { message: /`ansible_port` is "ssh", expected a port number/ });
  t.throws(() => connectionVars({ port: 70000 }), { message: /expected a port number/ });
});

test('ProxyJump from ssh arguments, in every spelling', (t) => {
  t.is(sshArgsConnection('-o ProxyJump=ops@192.0.2.10').proxyJump, 'ops@192.0.2.10');
  t.is(sshArgsConnection('-oProxyJump=jump').proxyJump, 'jump');
  t.is(sshArgsConnection("-o 'ProxyJump jump:2200'").proxyJump, 'jump:2200');
  t.is(sshArgsConnection('-J a,b').proxyJump, 'a,b');
  t.is(sshArgsConnection('-Jjump').proxyJump, 'jump');
  t.is(sshArgsConnection('-o ProxyCommand="ssh -W %h:%p -q ops@bastion.example.com"').proxyJump, 'ops@bastion.example.com');
  t.is(sshArgsConnection("-o ProxyCommand='ssh -p 2200 -l ops -W %h:%p bastion'").proxyJump, 'ops@bastion:2200');
  // the first value wins, as in ssh
  t.is(sshArgsConnection('-J first -o ProxyJump=second').proxyJump, 'first');
});

test('ssh arguments runbook does not apply are reported, not silently dropped', (t) => {
  const r = sshArgsConnection('-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ProxyCommand="nc -x proxy %h %p" -C');
  t.is(r.proxyJump, undefined);
  t.deepEqual(r.ignored, ['-o StrictHostKeyChecking=no', '-o UserKnownHostsFile=/dev/null', '-o ProxyCommand=nc -x proxy %h %p', '-C']);
  t.is(sshArgsConnection('-o UserKnownHostsFile=/etc/ssh/cluster_known_hosts').knownHosts, '/etc/ssh/cluster_known_hosts');
  t.deepEqual(connectionVars({ ansible_ssh_extra_args: '-C' }).ignoredSshArgs, ['-C']);
});

test('common args before extra args', (t) => {
  t.is(connectionVars({ ansible_ssh_common_args: '-J a', ansible_ssh_extra_args: '-J b' }).proxyJump, 'a');
  t.is(connectionVars({ ansible_ssh_extra_args: '-J b' }).proxyJump, 'b');
});

test('the example systemd inventory: members go through the bastion', async (t) => {
  const inv = await loadInventory([join(FIXTURES, '../../../inventory/systemd-cluster/hosts.yaml')]);
  t.deepEqual(connectionVars(inv.varsFor('etcd2')), {
    address: '192.0.2.12',
    user: 'ops',
    keyFile: '~/.ssh/etcd-ops',
    become: true,
    proxyJump: 'ops@192.0.2.10',
  });
  t.deepEqual(connectionVars(inv.varsFor('jump.example.com')), { address: '192.0.2.10', user: 'ops', keyFile: '~/.ssh/etcd-ops' });
  t.deepEqual(connectionVars(inv.varsFor('localhost')), { connection: 'local', user: 'ops', keyFile: '~/.ssh/etcd-ops' });
});
