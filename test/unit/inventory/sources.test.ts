import test from 'ava';
import { join } from 'node:path';
import { loadInventory } from '../../../src/inventory/load.js';
import { ignoredInDirectory } from '../../../src/inventory/sources.js';
import { FIXTURES } from './_temp-inventory.js';

test('a directory source reads its inventory files in sorted order, recursively', async (t) => {
  const inv = await loadInventory([join(FIXTURES, 'dir-source')]);
  t.deepEqual(inv.select('etcd'), ['etcd1', 'etcd2', 'etcd3']);
  t.deepEqual(inv.select('backup'), ['etcd1']);
  t.deepEqual(inv.select('monitoring'), ['prom1']);
  t.true(inv.varsFor('etcd3').etcd_from_dir_group_vars as boolean);
});

test('a directory source skips *.ini, *.md, hidden files and group_vars/ (as Ansible does)', async (t) => {
  const inv = await loadInventory([join(FIXTURES, 'dir-source')]);
  t.false(inv.groups.has('must_not_appear'));
  t.false(inv.groups.has('hidden'));
  t.false(inv.hosts.has('ini_in_directory'));
  for (const name of ['hosts.ini', 'README.md', '.git', 'group_vars', 'host_vars', 'x~', 'a.retry', 'notes.txt']) {
    t.true(ignoredInDirectory(name), name);
  }
  for (const name of ['hosts.yaml', 'hosts', 'prod.yml', 'hosts.json', 'cluster.inv']) t.false(ignoredInDirectory(name), name);
});

test('-i may repeat; a directory and a file together', async (t) => {
  const inv = await loadInventory([join(FIXTURES, 'dir-source'), join(FIXTURES, 'ranges/hosts.ini')]);
  t.true(inv.hosts.has('etcd1'));
  t.true(inv.hosts.has('node08'));
});

test('relative sources resolve against opts.cwd', async (t) => {
  const inv = await loadInventory(['ranges/hosts.ini'], { cwd: FIXTURES });
  t.true(inv.hosts.has('rack-a'));
});
