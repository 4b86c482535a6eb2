import test from 'ava';
import { join } from 'node:path';
import { loadInventory } from '../../../src/inventory/load.js';
import { FIXTURES, tempTree } from './_temp-inventory.js';

test('YAML shapes: all.hosts, nested children, string sections, ranges with ports', async (t) => {
  const inv = await loadInventory([join(FIXTURES, 'yaml-shapes/hosts.yml')]);
  t.deepEqual(inv.groups.get('etcd')!.hosts, ['etcd1.example.com', 'etcd2.example.com', 'etcd3.example.com']);
  t.deepEqual(inv.groups.get('prod')!.children, ['etcd']);
  t.deepEqual(inv.groups.get('etcd')!.parents, ['all', 'prod']);
  t.is(inv.groups.get('etcd')!.depth, 2);
  t.deepEqual(inv.groups.get('all')!.children, ['ungrouped', 'etcd', 'prod', 'empty_group', 'bools', 'second_top']);
  t.deepEqual(inv.select('empty_group'), []);
  t.like(inv.varsFor('etcd1.example.com'), { ansible_port: 2222, member: 'first', in_all: 1, etcd_port: 2379 });
  t.deepEqual(inv.varsFor('api.example.com').tags, ['a', 'b']);
  // standalone is in `all` directly and in second_top, so not ungrouped
  t.deepEqual(inv.groups.get('ungrouped')!.hosts, []);
});

test('YAML scalars as Ansible (PyYAML, YAML 1.1) reads them', async (t) => {
  const inv = await loadInventory([join(FIXTURES, 'yaml-shapes/hosts.yml')]);
  t.like(inv.varsFor('b1'), {
    yes_value: true,
    on_value: true,
    y_value: 'y',
    octal: 493,
    sexagesimal: 90,
    exp_string: '1e3',
    exp_float: 1000,
    date: '2024-01-31',
    datetime: '2024-01-31T10:00:00.500000-05:00',
    not_a_date: '2024-1-5',
    explicit_float: 1,
    explicit_int: 5,
    unsafe: '{{ not_templated }}',
  });
});

test('a host listed only under all.hosts is ungrouped', async (t) => {
  const dir = await tempTree({ 'hosts.yaml': 'all:\n  hosts:\n    solo:\n      x: 1\n' });
  const inv = await loadInventory([join(dir, 'hosts.yaml')]);
  t.deepEqual(inv.groups.get('ungrouped')!.hosts, ['solo']);
  t.deepEqual(inv.varsFor('solo'), { x: 1 });
});

test('JSON inventories are YAML', async (t) => {
  const dir = await tempTree({
    'hosts.json': JSON.stringify({ all: { children: { etcd: { hosts: { etcd1: { ansible_host: '192.0.2.1' } } } } } }),
  });
  const inv = await loadInventory([join(dir, 'hosts.json')]);
  t.is(inv.varsFor('etcd1').ansible_host, '192.0.2.1');
});

test('a file without extension that looks like YAML is read as YAML', async (t) => {
  const dir = await tempTree({ hosts: '# comment\nall:\n  hosts:\n    h1:\n' });
  const inv = await loadInventory([join(dir, 'hosts')]);
  t.deepEqual(inv.select('all'), ['h1']);
});

test('keys other than hosts/children/vars: a near typo is an error, anything else a warning', async (t) => {
  const dir = await tempTree({ 'hosts.yaml': 'etcd:\n  hosts:\n    h1:\n  comment: nothing\n' });
  const inv = await loadInventory([join(dir, 'hosts.yaml')]);
  t.is(inv.warnings.length, 1);
  t.regex(inv.warnings[0]!, /hosts.yaml:4:3: skipping key `comment` in group `etcd`/);
});

test('a top-level key with a scalar value is skipped with a warning, as Ansible does', async (t) => {
  const dir = await tempTree({ 'hosts.yaml': 'version: 2\netcd:\n  hosts:\n    h1:\n' });
  const inv = await loadInventory([join(dir, 'hosts.yaml')]);
  t.false(inv.groups.has('version'));
  t.regex(inv.warnings[0]!, /hosts.yaml:1:1: skipping `version`: not a group/);
});
