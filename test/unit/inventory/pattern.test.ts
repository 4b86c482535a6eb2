import test from 'ava';
import { join } from 'node:path';
import { ConfigError } from '../../../src/errors.js';
import { loadInventory } from '../../../src/inventory/load.js';
import { globToRegExp, splitPattern } from '../../../src/inventory/pattern.js';
import { FIXTURES, tempTree } from './_temp-inventory.js';

const kubespray = () => loadInventory([join(FIXTURES, 'kubespray/inventory.ini')]);

test('all and *', async (t) => {
  const inv = await kubespray();
  // [all] puts node1..6 in `all` itself, so they come first; then the groups below `all`
  const all = ['node1', 'node2', 'node3', 'node4', 'node5', 'node6', 'bastion'];
  t.deepEqual(inv.select('all'), all);
  t.deepEqual(inv.select('*'), all);
});

test('a group includes its children; a host name selects the host', async (t) => {
  const inv = await kubespray();
  t.deepEqual(inv.select('etcd'), ['node1', 'node2', 'node3']);
  t.deepEqual(inv.select('k8s_cluster'), ['node1', 'node2', 'node3', 'node4', 'node5', 'node6']);
  t.deepEqual(inv.select('node5'), ['node5']);
});

test('unions with , and with the old : form, duplicates dropped', async (t) => {
  const inv = await kubespray();
  t.deepEqual(inv.select('node5,etcd'), ['node5', 'node1', 'node2', 'node3']);
  t.deepEqual(inv.select('node5:etcd:node1'), ['node5', 'node1', 'node2', 'node3']);
  t.deepEqual(inv.select(' node6 , node4 '), ['node6', 'node4']);
});

test('exclusion and intersection, applied after unions whatever the order', async (t) => {
  const inv = await kubespray();
  t.deepEqual(inv.select('etcd:!node2'), ['node1', 'node3']);
  t.deepEqual(inv.select('!node2,etcd'), ['node1', 'node3']);
  t.deepEqual(inv.select('k8s_cluster:&etcd'), ['node1', 'node2', 'node3']);
  t.deepEqual(inv.select('k8s_cluster:!kube_control_plane'), ['node4', 'node5', 'node6']);
  t.deepEqual(inv.select('!etcd'), ['node4', 'node5', 'node6', 'bastion'], 'only exclusions means all minus them');
});

test('regular expressions with ~, anchored at the start only', async (t) => {
  const inv = await kubespray();
  t.deepEqual(inv.select('~node[12]'), ['node1', 'node2']);
  t.deepEqual(inv.select('~(bastion|node6)'), ['bastion', 'node6']);
  // "ode" is inside every node name, but a pattern must match from the start
  t.throws(() => inv.select('~ode'), { instanceOf: ConfigError, message: /pattern `~ode` matches no host or group/ });
});

test('globs over hosts and groups', async (t) => {
  const inv = await kubespray();
  // (`node[4-6]` or `node[456]` would be read as subscripts, as in Ansible)
  t.deepEqual(inv.select('node[!123]'), ['node4', 'node5', 'node6']);
  t.deepEqual(inv.select('kube_*'), ['node1', 'node2', 'node3', 'node4', 'node5', 'node6']);
  t.deepEqual(inv.select('node?'), ['node1', 'node2', 'node3', 'node4', 'node5', 'node6']);
});

test('subscripts: [i], [-1], [a:b] inclusive, [a:]', async (t) => {
  const inv = await kubespray();
  t.deepEqual(inv.select('etcd[0]'), ['node1']);
  t.deepEqual(inv.select('etcd[-1]'), ['node3']);
  t.deepEqual(inv.select('etcd[0:1]'), ['node1', 'node2']);
  t.deepEqual(inv.select('etcd[1:]'), ['node2', 'node3']);
  t.deepEqual(inv.select('k8s_cluster[3:4]'), ['node4', 'node5']);
});

test('a subscript past the end is an error', async (t) => {
  const inv = await kubespray();
  t.throws(() => inv.select('etcd[3]'), { instanceOf: ConfigError, message: /selects past the end: `etcd` has 3 hosts/ });
  t.throws(() => inv.select('etcd[-4]'), { instanceOf: ConfigError });
  t.throws(() => inv.select('etcd[5:6]'), { instanceOf: ConfigError });
});

test('unknown names are errors with a suggestion', async (t) => {
  const inv = await kubespray();
  t.throws(() => inv.select('etcdd'), { instanceOf: ConfigError, message: 'pattern `etcdd` matches no host or group; did you mean `etcd`?' });
  t.throws(() => inv.select('etcd:!nod3'), { message: /pattern `nod3` matches no host or group; did you mean `node3`\?/ });
  t.throws(() => inv.select('zzzzzz'), { message: /no name in the inventory is close/ });
  t.throws(() => inv.select('~node('), { message: /not a valid regular expression/ });
  t.throws(() => inv.select('etcd:!'), { message: /has an empty part/ });
});

test('an existing but empty group is not an error', async (t) => {
  const inv = await kubespray();
  t.deepEqual(inv.select('calico_rr'), []);
  t.deepEqual(inv.select('ungrouped'), []);
});

test('localhost is implicit when the inventory does not list it', async (t) => {
  const inv = await kubespray();
  t.deepEqual(inv.select('localhost'), ['localhost']);
  t.deepEqual(inv.select('127.0.0.1'), ['127.0.0.1']);
  t.deepEqual(inv.select('etcd,localhost'), ['node1', 'node2', 'node3', 'localhost']);
  t.false(inv.select('all').includes('localhost'));
});

test('--limit narrows a selection; @file reads patterns from lines', async (t) => {
  const inv = await kubespray();
  t.deepEqual(inv.select('etcd', 'node2,node3,node4'), ['node2', 'node3']);
  t.deepEqual(inv.select('all', 'kube_node:!node5'), ['node4', 'node6']);
  const dir = await tempTree({ 'retry.txt': 'node1\nnode3\n' });
  t.deepEqual(inv.select('etcd', `@${join(dir, 'retry.txt')}`), ['node1', 'node3']);
});

test('splitPattern keeps ranges and IPv6 intact', (t) => {
  t.deepEqual(splitPattern('a:b:!c'), ['a', 'b', '!c']);
  t.deepEqual(splitPattern('etcd[0:1]'), ['etcd[0:1]']);
  t.deepEqual(splitPattern('2001:db8::1'), ['2001:db8::1']);
  t.deepEqual(splitPattern('a, b ,,c'), ['a', 'b', 'c']);
});

test('glob classes as fnmatch', (t) => {
  t.true(globToRegExp('node[!1]').test('node2'));
  t.false(globToRegExp('node[!1]').test('node1'));
  t.true(globToRegExp('a.b').test('a.b'));
  t.false(globToRegExp('a.b').test('axb'));
  t.true(globToRegExp('x[').test('x['));
});
