import test from 'ava';
import { CommanderError } from 'commander';
import { join } from 'node:path';
import { parse } from 'yaml';
import { inventoryCommand } from '../../../src/cli/inventory-command.js';
import { FIXTURES, tempTree } from './_temp-inventory.js';

const EXAMPLES = join(FIXTURES, '../../../inventory');

async function run(args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  const cmd = inventoryCommand()
    .exitOverride()
    .configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  try {
    await cmd.parseAsync(args, { from: 'user' });
    return { out, err, code: 0 };
  } catch (e) {
    if (e instanceof CommanderError) return { out, err, code: e.exitCode };
    throw e;
  }
}

test('--list prints ansible-inventory JSON', async (t) => {
  const r = await run(['-i', join(EXAMPLES, 'kubeadm-cluster/hosts.ini'), '--list']);
  t.is(r.code, 0);
  const list = JSON.parse(r.out);
  t.deepEqual(list.all, { children: ['ungrouped', 'etcd', 'k8s_cluster'] });
  t.deepEqual(list.k8s_cluster, { children: ['kube_control_plane', 'kube_node', 'calico_rr'] });
  t.deepEqual(list.etcd, { hosts: ['node1', 'node2', 'node3'] });
  t.false('calico_rr' in list, 'empty groups are left out, as Ansible does');
  t.like(list._meta.hostvars.node1, { etcd_config_style: 'static_pod', etcd_data_dir: '/var/lib/etcd', ansible_host: '192.0.2.21' });
  t.true(r.out.startsWith('{\n    "_meta": {'), 'keys sorted, four-space indent');
});

test('--list --yaml prints the group tree', async (t) => {
  const r = await run(['-i', join(EXAMPLES, 'systemd-cluster/hosts.ini'), '--list', '--yaml']);
  const tree = parse(r.out);
  t.like(tree.all.children.etcd.hosts.etcd1, { etcd_name: 'etcd1', etcd_config_style: 'env' });
  t.deepEqual(tree.all.children.ungrouped, {});
});

test('--host prints merged vars', async (t) => {
  const r = await run(['-i', join(EXAMPLES, 'systemd-cluster/hosts.yaml'), '--host', 'etcd3']);
  t.like(JSON.parse(r.out), { etcd_name: 'etcd3', etcd_config_file: '/etc/etcd/etcd.conf', etcd_service: 'etcd' });
});

test('--graph prints the tree like ansible-inventory', async (t) => {
  const r = await run(['-i', join(EXAMPLES, 'kubeadm-cluster/hosts.ini'), '--graph']);
  t.is(
    r.out,
    [
      '@all:',
      '  |--@ungrouped:',
      '  |--@etcd:',
      '  |  |--node1',
      '  |  |--node2',
      '  |  |--node3',
      '  |--@k8s_cluster:',
      '  |  |--@kube_control_plane:',
      '  |  |  |--node1',
      '  |  |  |--node2',
      '  |  |  |--node3',
      '  |  |--@kube_node:',
      '  |  |  |--node4',
      '  |  |  |--node5',
      '  |  |--@calico_rr:',
      '',
    ].join('\n'),
  );
  const sub = await run(['-i', join(EXAMPLES, 'kubeadm-cluster/hosts.ini'), '--graph', 'kube_node']);
  t.is(sub.out, '@kube_node:\n  |--node4\n  |--node5\n');
});

test('--limit hides other hosts', async (t) => {
  const r = await run(['-i', join(EXAMPLES, 'kubeadm-cluster/hosts.ini'), '--list', '--limit', 'etcd:!node2']);
  const list = JSON.parse(r.out);
  t.deepEqual(Object.keys(list._meta.hostvars), ['node1', 'node3']);
  t.deepEqual(list.etcd.hosts, ['node1', 'node3']);
  t.false('kube_node' in list);
  const g = await run(['-i', join(EXAMPLES, 'kubeadm-cluster/hosts.ini'), '--graph', 'etcd', '-l', 'node1']);
  t.is(g.out, '@etcd:\n  |--node1\n');
  const h = await run(['-i', join(EXAMPLES, 'kubeadm-cluster/hosts.ini'), '--host', 'node4', '-l', 'etcd']);
  t.is(h.code, 2);
});

test('-i repeats', async (t) => {
  const r = await run(['-i', join(FIXTURES, 'multi/a.ini'), '-i', join(FIXTURES, 'multi/b/b.yaml'), '--list']);
  t.deepEqual(JSON.parse(r.out).etcd.hosts, ['etcd1', 'etcd2', 'etcd3']);
});

test('a configuration error is printed with its location and exits 2', async (t) => {
  const dir = await tempTree({ 'h.ini': '[etcd]\netcd[3:1]\n' });
  const r = await run(['-i', join(dir, 'h.ini'), '--list']);
  t.is(r.code, 2);
  t.regex(r.err, /runbook: .*h\.ini:2:5: host range `\[3:1\]` must have begin <= end/);
});

test('exactly one action is required', async (t) => {
  const r = await run(['-i', join(EXAMPLES, 'kubeadm-cluster/hosts.ini')]);
  t.is(r.code, 2);
  t.regex(r.err, /choose exactly one of --list, --host HOST or --graph/);
  const both = await run(['-i', join(EXAMPLES, 'kubeadm-cluster/hosts.ini'), '--list', '--graph']);
  t.is(both.code, 2);
});

test('unknown host and group names are suggested', async (t) => {
  const h = await run(['-i', join(EXAMPLES, 'kubeadm-cluster/hosts.ini'), '--host', 'node7']);
  t.regex(h.err, /host `node7` is not in the inventory; did you mean `node1`\?/);
  const g = await run(['-i', join(EXAMPLES, 'kubeadm-cluster/hosts.ini'), '--graph', 'etdc']);
  t.regex(g.err, /`etdc` is not a group; did you mean `etcd`\?/);
});

test('inventory warnings go to stderr', async (t) => {
  const r = await run(['-i', join(FIXTURES, 'kubespray/inventory.ini'), '--graph']);
  t.regex(r.err, /\[WARNING\]: found both a group and a host named `bastion`/);
});

test('--help shows examples', (t) => {
  const help = inventoryCommand().helpInformation() + '';
  t.regex(help, /--list/);
  let text = '';
  const cmd = inventoryCommand().exitOverride().configureOutput({ writeOut: (s) => (text += s) });
  t.throws(() => cmd.parse(['--help'], { from: 'user' }));
  t.regex(text, /Examples:\n {2}\$ runbook inventory -i inventory\/kubeadm-cluster\/hosts.ini --graph/);
});
