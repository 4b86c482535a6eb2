import test from 'ava';
import { join } from 'node:path';
import { loadInventory } from '../../../src/inventory/load.js';
import { FIXTURES, tempTree } from './_temp-inventory.js';

test('kubespray layout: groups of groups, hosts declared in [all]', async (t) => {
  const inv = await loadInventory([join(FIXTURES, 'kubespray/inventory.ini')]);
  t.deepEqual(inv.groups.get('k8s_cluster')!.children, ['kube_control_plane', 'kube_node', 'calico_rr']);
  t.deepEqual(inv.groups.get('kube_node')!.hosts, ['node4', 'node5', 'node6']);
  t.deepEqual(inv.groups.get('all')!.children, ['ungrouped', 'bastion', 'etcd', 'k8s_cluster']);
  t.deepEqual(inv.select('k8s_cluster'), ['node1', 'node2', 'node3', 'node4', 'node5', 'node6']);
  // [all] lists hosts directly in `all`, so they are ungrouped until a real group claims them
  t.deepEqual(inv.groups.get('ungrouped')!.hosts, []);
  t.deepEqual(inv.hosts.get('node1')!.groups, ['all', 'kube_control_plane', 'etcd', 'k8s_cluster']);
  t.is(inv.varsFor('node4').etcd_member_name, '');
  t.is(inv.varsFor('node1').etcd_member_name, 'etcd-one', 'host_vars/ beats the inline value');
});

test('a group may be used in [x:children] before it is declared', async (t) => {
  const dir = await tempTree({
    'hosts.ini': '[top:children]\nmiddle\n[middle:children]\nleaf\n[leaf]\nh1\n',
  });
  const inv = await loadInventory([join(dir, 'hosts.ini')]);
  t.deepEqual(inv.groups.get('top')!.children, ['middle']);
  t.deepEqual(inv.groups.get('middle')!.children, ['leaf']);
  t.deepEqual(inv.select('top'), ['h1']);
  t.is(inv.groups.get('leaf')!.depth, 3);
});

test('hosts before any section are ungrouped; every host is in all', async (t) => {
  const dir = await tempTree({ 'hosts.ini': 'loose1\nloose2 a=1\n[etcd]\netcd1\nloose2\n' });
  const inv = await loadInventory([join(dir, 'hosts.ini')]);
  t.deepEqual(inv.groups.get('ungrouped')!.hosts, ['loose1']);
  // Ansible's order: group by group down the tree (all, ungrouped, etcd), not line order
  t.deepEqual(inv.select('all'), ['loose1', 'etcd1', 'loose2']);
  t.deepEqual(inv.hosts.get('loose1')!.groups, ['all', 'ungrouped']);
});

test('inline host vars are typed, [group:vars] values too (as ansible-inventory shows)', async (t) => {
  const inv = await loadInventory([join(FIXTURES, 'typed/hosts.ini')]);
  const v = inv.varsFor('h1');
  t.like(v, {
    int: 42,
    neg: -7,
    hex: 31,
    float: 1.5,
    exp: 1000,
    pybool: true,
    jsonbool: 'true',
    yes: 'yes',
    none: null,
    octal: '0755',
    quoted: '42',
    spaced: 'hello world',
    empty: '',
    escaped: 'a b',
    hash: 'a',
    g_int: 8080,
    g_bool: false,
    g_str: 'a string',
    g_raw: 'some words here',
    g_trailing_comment: 5,
    g_eq: 'a=b',
  });
  t.deepEqual(v.list, [1, 'two']);
  t.deepEqual(v.dict, { a: 1 });
  t.deepEqual(v.tuple, [1, 2]);
  t.deepEqual(v.g_list, ['x', 'y']);
});

test('ranges and ports in INI', async (t) => {
  const inv = await loadInventory([join(FIXTURES, 'ranges/hosts.ini')]);
  t.deepEqual(inv.groups.get('numbered')!.hosts, ['node1', 'node2', 'node3', 'node08', 'node09', 'node10']);
  t.deepEqual(inv.groups.get('stepped')!.hosts, ['web1.example.com', 'web4.example.com', 'web7.example.com', 'web10.example.com']);
  t.deepEqual(inv.groups.get('letters')!.hosts, ['rack-a', 'rack-b', 'rack-c', 'db01-x', 'db01-y', 'db02-x', 'db02-y']);
  t.deepEqual(inv.groups.get('addresses')!.hosts, ['192.0.2.1', '192.0.2.2', '192.0.2.3', '2001:db8::1', 'jump.example.com']);
  t.is(inv.varsFor('node09').rack, 1);
  t.is(inv.varsFor('2001:db8::1').ansible_port, 2222);
  t.like(inv.varsFor('jump.example.com'), { ansible_port: 2200, ansible_user: 'ops' });
});

test('comments: # and ; lines, # after a host line, but not inside [x:vars] values', async (t) => {
  const dir = await tempTree({
    'hosts.ini': '# comment\n; another\n[g]  # trailing comment on a header\nh1 a=1 # rest ignored b=2\n[g:vars]\nv=x # kept\n',
  });
  const inv = await loadInventory([join(dir, 'hosts.ini')]);
  t.deepEqual(inv.varsFor('h1'), { a: 1, v: 'x # kept' });
});

test('a port is taken where the host first appears', async (t) => {
  const dir = await tempTree({ 'hosts.ini': '[a]\nh1:2201\n[b]\nh1:2202\n' });
  const inv = await loadInventory([join(dir, 'hosts.ini')]);
  t.is(inv.varsFor('h1').ansible_port, 2201);
});

test('a file without extension that looks like INI is read as INI', async (t) => {
  const dir = await tempTree({ hosts: '[etcd]\netcd1\n' });
  const inv = await loadInventory([join(dir, 'hosts')]);
  t.deepEqual(inv.select('etcd'), ['etcd1']);
});

test('a host list `a,b,` is a source too', async (t) => {
  const inv = await loadInventory(['etcd1.example.com,192.0.2.7:2222,']);
  t.deepEqual(inv.select('all'), ['etcd1.example.com', '192.0.2.7']);
  t.is(inv.varsFor('192.0.2.7').ansible_port, 2222);
  t.deepEqual(inv.groups.get('ungrouped')!.hosts, ['etcd1.example.com', '192.0.2.7']);
});
