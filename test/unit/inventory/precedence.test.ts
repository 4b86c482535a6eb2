import test from 'ava';
import { join } from 'node:path';
import { loadInventory } from '../../../src/inventory/load.js';
import { FIXTURES, tempTree } from './_temp-inventory.js';

const hostsIni = join(FIXTURES, 'precedence/hosts.ini');

test('host_vars/ beats inline host vars, which beat every group layer', async (t) => {
  const inv = await loadInventory([hostsIni]);
  t.is(inv.varsFor('etcd1').layer, 'host_file');
  t.is(inv.varsFor('etcd1').inline_only, true);
});

test('a deeper group beats its parent', async (t) => {
  const inv = await loadInventory([hostsIni]);
  t.is(inv.varsFor('etcd1').depth_test, 'etcd');
  t.is(inv.varsFor('worker1').depth_test, 'cluster');
});

test('same depth: the name later in alphabetical order wins', async (t) => {
  const inv = await loadInventory([hostsIni]);
  // etcd2 is in etcd and workers, both at depth 2
  t.is(inv.varsFor('etcd2').same_depth, 'workers');
  t.is(inv.varsFor('etcd2').ab_test, 'workers');
  // etcd1: backup (depth 1) loses to etcd (depth 2) whatever the names
  t.is(inv.varsFor('etcd1').ab_test, 'etcd');
});

test('ansible_group_priority orders groups of the same depth (higher wins), and is not a var', async (t) => {
  const inv = await loadInventory([hostsIni]);
  // zeta would win alphabetically over backup, but its priority 0 is below backup's default 1
  t.is(inv.varsFor('etcd1').priority_test, 'backup');
  t.is(inv.groups.get('zeta')!.priority, 0);
  t.false('ansible_group_priority' in inv.varsFor('etcd1'));
});

test('any group_vars/ file beats any group var written in the inventory, even group_vars/all', async (t) => {
  const inv = await loadInventory([hostsIni]);
  t.is(inv.varsFor('etcd1').group_file_vs_inventory, 'all_file');
  t.is(inv.varsFor('etcd2').layer, 'workers_file');
  t.is(inv.varsFor('etcd1').from_all, 'all_file');
  t.is(inv.varsFor('etcd1').only_all_inventory, 1);
});

test('group_vars/NAME/ wins over NAME.yml; its files merge in sorted order; empty and backup files are skipped', async (t) => {
  const inv = await loadInventory([hostsIni]);
  const v = inv.varsFor('etcd1');
  t.is(v.etcd_dir_order, 'override');
  t.false('shadowed_file_var' in v);
  t.deepEqual(inv.varsFor('worker1').json_file, [1, 2, 3]);
});

test('group vars as --export shows them: inventory then group_vars/ over it', async (t) => {
  const inv = await loadInventory([hostsIni]);
  t.like(inv.groups.get('etcd')!.vars, { layer: 'etcd_file', depth_test: 'etcd', etcd_dir_order: 'override' });
  t.like(inv.hosts.get('etcd1')!.vars, { layer: 'host_file', inline_only: true });
});

test('vars are merged key by key, never deep-merged', async (t) => {
  const dir = await tempTree({
    'hosts.yaml': 'all:\n  vars:\n    opts: {a: 1, b: 2}\n  children:\n    g:\n      hosts: {h1: }\n      vars:\n        opts: {c: 3}\n',
  });
  const inv = await loadInventory([join(dir, 'hosts.yaml')]);
  t.deepEqual(inv.varsFor('h1').opts, { c: 3 });
});

test('several sources: later files override, each source brings its own group_vars/', async (t) => {
  const inv = await loadInventory([join(FIXTURES, 'multi/a.ini'), join(FIXTURES, 'multi/b/b.yaml')]);
  t.deepEqual(inv.select('etcd'), ['etcd1', 'etcd2', 'etcd3']);
  t.like(inv.varsFor('etcd1'), { from: 'b', source: 'b', dir: 'b' });
  t.deepEqual(inv.hosts.get('etcd2')!.groups, ['all', 'etcd', 'late']);
});

test('the implicit localhost gets all vars and a local connection', async (t) => {
  const dir = await tempTree({
    'hosts.ini': '[all:vars]\nx=1\n[etcd]\netcd1\n',
    'group_vars/all.yml': 'y: 2\nx: 5\n',
    'host_vars/localhost.yml': 'z: 3\n',
  });
  const inv = await loadInventory([join(dir, 'hosts.ini')]);
  t.true(inv.hasHost('localhost'));
  t.false(inv.hosts.has('localhost'));
  // Ansible copies the inventory's `all` vars onto the implicit host, so they beat group_vars/all here
  t.deepEqual(inv.varsFor('localhost'), { x: 1, y: 2, z: 3, ansible_connection: 'local' });
  t.deepEqual(inv.select('localhost'), ['localhost']);
  t.deepEqual(inv.select('all'), ['etcd1']);
});

test('a localhost listed in the inventory is an ordinary host', async (t) => {
  const dir = await tempTree({ 'hosts.ini': '[local]\nlocalhost ansible_connection=local\n' });
  const inv = await loadInventory([join(dir, 'hosts.ini')]);
  t.deepEqual(inv.select('all'), ['localhost']);
  t.deepEqual(inv.varsFor('localhost'), { ansible_connection: 'local' });
});
