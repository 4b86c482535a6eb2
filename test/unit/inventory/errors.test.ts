import test from 'ava';
import { join } from 'node:path';
import { ConfigError } from '../../../src/errors.js';
import { loadInventory } from '../../../src/inventory/load.js';
import { tempTree } from './_temp-inventory.js';

interface Expect {
  message: RegExp;
  /** [line, col] of the first problem; file is the one named by `file` */
  at?: [number, number];
  hint?: RegExp;
  file?: string;
}

async function fails(t: import('ava').ExecutionContext, files: Record<string, string>, source: string, expect: Expect) {
  const dir = await tempTree(files);
  const err = await t.throwsAsync(loadInventory([join(dir, source)]), { instanceOf: ConfigError });
  const problem = err!.problems[0]!;
  t.regex(problem.message, expect.message);
  if (expect.at) {
    t.deepEqual(problem.loc, { file: join(dir, expect.file ?? source), line: expect.at[0], col: expect.at[1] });
  }
  if (expect.hint) t.regex(problem.hint ?? '', expect.hint);
  t.is(err!.exitCode, 2);
}

// ---- INI ----

test('INI: unknown section type', (t) =>
  fails(t, { 'h.ini': '[etcd]\nh1\n  [etcd:varz]\n' }, 'h.ini', {
    message: /section \[etcd:varz\] has an unknown type `varz`/,
    at: [3, 9],
    hint: /did you mean `vars`\?/,
  }));

test('INI: a section header with a space', (t) =>
  fails(t, { 'h.ini': '[etcd servers]\n' }, 'h.ini', { message: /invalid section header/, at: [1, 1], hint: /no spaces/ }));

test('INI: [g:vars] line without =', (t) =>
  fails(t, { 'h.ini': '[etcd]\nh1\n[etcd:vars]\netcd_data_dir /var/lib/etcd\n' }, 'h.ini', {
    message: /expected key=value in \[etcd:vars\]/,
    at: [4, 1],
  }));

test('INI: [g:vars] line with no name', (t) =>
  fails(t, { 'h.ini': '[etcd]\nh1\n[etcd:vars]\n=x\n' }, 'h.ini', { message: /missing variable name/, at: [4, 1] }));

test('INI: [g:children] line that is not a group name', (t) =>
  fails(t, { 'h.ini': '[etcd]\nh1\n[all2:children]\netcd extra\n' }, 'h.ini', { message: /expected a group name/, at: [4, 1] }));

test('INI: unclosed quote in a host line points at the quote', (t) =>
  fails(t, { 'h.ini': '[etcd]\n  h1 motd="hello\n' }, 'h.ini', { message: /no closing quotation/, at: [2, 11] }));

test('INI: a host var without =', (t) =>
  fails(t, { 'h.ini': '[etcd]\nh1 ansible_host=192.0.2.1 oops\n' }, 'h.ini', {
    message: /expected key=value after the host name, got `oops`/,
    at: [2, 27],
  }));

test('INI: a bad range points at the bracket', (t) =>
  fails(t, { 'h.ini': '[etcd]\netcd[3:1].example.com\n' }, 'h.ini', { message: /begin <= end/, at: [2, 5] }));

test('INI: a bad second range points at its own bracket', (t) =>
  fails(t, { 'h.ini': '[etcd]\nx[1:2]-y[01:3]\n' }, 'h.ini', { message: /same number of digits/, at: [2, 9], hint: /\[01:03\]/ }));

test('INI: a YAML file read as INI', (t) =>
  fails(t, { 'h.ini': '---\nall:\n' }, 'h.ini', { message: /looks like a YAML file/, at: [1, 1] }));

test('INI: a host ending in : without a port', (t) =>
  fails(t, { 'h.ini': '[etcd]\nnode1:\n' }, 'h.ini', { message: /ends in `:` with no port/, at: [2, 6] }));

test('INI: [g:vars] for a group never declared, with a suggestion', (t) =>
  fails(t, { 'h.ini': '[etcd]\nh1\n[etc:vars]\nx=1\n' }, 'h.ini', {
    message: /section \[etc:vars\] is for a group that is never declared/,
    at: [3, 1],
    hint: /did you mean `etcd`\?/,
  }));

test('INI: [g:children] naming a group never declared, with a suggestion', (t) =>
  fails(t, { 'h.ini': '[kube_node]\nh1\n[k8s_cluster:children]\nkube_nodes\n' }, 'h.ini', {
    message: /\[k8s_cluster:children\] names group `kube_nodes`, which is never declared/,
    at: [4, 1],
    hint: /did you mean `kube_node`\?/,
  }));

test('INI: a loop of children', (t) =>
  fails(t, { 'h.ini': '[a:children]\nb\n[b:children]\na\n' }, 'h.ini', { message: /makes a loop/, at: [4, 1] }));

// ---- YAML ----

test('YAML: a syntax error', (t) =>
  fails(t, { 'h.yaml': 'all:\n  children:\n    etcd:\n      hosts: [a,\n  b: 1\n' }, 'h.yaml', {
    message: /YAML syntax error/,
    at: [5, 3],
  }));

test('YAML: tabs', (t) => fails(t, { 'h.yaml': 'all:\n\thosts:\n' }, 'h.yaml', { message: /YAML syntax error/, at: [2, 1] }));

test('YAML: the top level is not a mapping', (t) =>
  fails(t, { 'h.yaml': '- etcd1\n- etcd2\n' }, 'h.yaml', { message: /must be a mapping of group names/, at: [1, 1] }));

test('YAML: an empty file', (t) => fails(t, { 'h.yaml': '# nothing\n' }, 'h.yaml', { message: /is empty/, at: [1, 1] }));

test('YAML: an inventory plugin configuration', (t) =>
  fails(t, { 'h.yml': 'plugin: aws_ec2\nregions: [eu-west-1]\n' }, 'h.yml', {
    message: /inventory plugin configuration \(plugin: aws_ec2\)/,
    at: [1, 1],
    hint: /ansible-inventory/,
  }));

test('YAML: a group written as a list', (t) =>
  fails(t, { 'h.yaml': 'all:\n  children:\n    etcd: [etcd1, etcd2]\n' }, 'h.yaml', {
    message: /group `etcd` must be a mapping/,
    at: [3, 11],
  }));

test('YAML: hosts written as a list', (t) =>
  fails(t, { 'h.yaml': 'etcd:\n  hosts:\n    - etcd1\n' }, 'h.yaml', {
    message: /`hosts` of group `etcd` must be a mapping/,
    at: [3, 5],
    hint: /list hosts as keys/,
  }));

test('YAML: a host with a string instead of vars', (t) =>
  fails(t, { 'h.yaml': 'etcd:\n  hosts:\n    etcd1: 192.0.2.1\n' }, 'h.yaml', {
    message: /host `etcd1` in group `etcd` must have a mapping of vars/,
    at: [3, 12],
  }));

test('YAML: a number as host name', (t) =>
  fails(t, { 'h.yaml': 'etcd:\n  hosts:\n    10:\n' }, 'h.yaml', { message: /host name `10` must be a string/, at: [3, 5] }));

test('YAML: a number as group name', (t) =>
  fails(t, { 'h.yaml': 'all:\n  children:\n    2024:\n' }, 'h.yaml', { message: /group name `2024` must be a string/, at: [3, 5] }));

test('YAML: a typo of hosts/children/vars', (t) =>
  fails(t, { 'h.yaml': 'etcd:\n  host:\n    etcd1:\n' }, 'h.yaml', {
    message: /group `etcd` has an unknown key `host`; did you mean `hosts`\?/,
    at: [2, 3],
  }));

test('YAML: a bad range in a host key points into the key', (t) =>
  fails(t, { 'h.yaml': 'etcd:\n  hosts:\n    "etcd[01:3]":\n' }, 'h.yaml', { message: /same number of digits/, at: [3, 10] }));

test('YAML: a loop of children', (t) =>
  fails(t, { 'h.yaml': 'a:\n  children:\n    b:\n      children:\n        a:\n' }, 'h.yaml', { message: /makes a loop/, at: [3, 5] }));

test('YAML: a !vault value without a vault password', (t) =>
  fails(t, { 'h.yaml': 'etcd:\n  vars:\n    secret: !vault |\n      $ANSIBLE_VAULT;1.1;AES256\n      6162\n' }, 'h.yaml', {
    message: /encrypted with ansible-vault, and no vault password was given/,
    at: [3, 5],
  }));

// ---- vars files and sources ----

test('group_vars: a file that is not a mapping', (t) =>
  fails(t, { 'h.ini': '[etcd]\nh1\n', 'group_vars/etcd.yml': '# list\n- a\n' }, 'h.ini', {
    message: /vars file must be a mapping/,
    at: [2, 1],
    file: 'group_vars/etcd.yml',
  }));

test('host_vars: a YAML syntax error', (t) =>
  fails(t, { 'h.ini': '[etcd]\nh1\n', 'host_vars/h1/main.yml': 'a: 1\nb: [\n' }, 'h.ini', {
    message: /YAML syntax error/,
    file: 'host_vars/h1/main.yml',
  }));

test('a vault-encrypted inventory without a vault password', (t) =>
  fails(t, { 'h.yml': '$ANSIBLE_VAULT;1.1;AES256\n6162\n' }, 'h.yml', { message: /encrypted with ansible-vault, and no vault password was given/, at: [1, 1] }));

test('a vault-encrypted group_vars file without a vault password', (t) =>
  fails(t, { 'h.ini': '[etcd]\nh1\n', 'group_vars/all.yml': '$ANSIBLE_VAULT;1.1;AES256\n6162\n' }, 'h.ini', {
    message: /encrypted with ansible-vault, and no vault password was given/,
    at: [1, 1],
    file: 'group_vars/all.yml',
  }));

test('a TOML inventory', (t) => fails(t, { 'h.toml': '[etcd]\n' }, 'h.toml', { message: /TOML inventories are not supported/ }));

test('a missing source, with a suggestion', async (t) => {
  const dir = await tempTree({ 'hosts.ini': '[etcd]\nh1\n' });
  const err = await t.throwsAsync(loadInventory([join(dir, 'host.ini')]), { instanceOf: ConfigError });
  t.regex(err!.message, /inventory source `.*host\.ini` does not exist; did you mean `.*hosts\.ini`\?/);
});

test('a directory with only .ini files explains why nothing was read', async (t) => {
  const dir = await tempTree({ 'inv/hosts.ini': '[etcd]\nh1\n' });
  const err = await t.throwsAsync(loadInventory([join(dir, 'inv')]), { instanceOf: ConfigError });
  t.regex(err!.message, /holds no inventory file/);
  t.regex(err!.problems[0]!.hint!, /\*\.ini files are skipped/);
});

test('varsFor an unknown host suggests the nearest', async (t) => {
  const dir = await tempTree({ 'h.ini': '[etcd]\netcd1\n' });
  const inv = await loadInventory([join(dir, 'h.ini')]);
  t.throws(() => inv.varsFor('etcd11'), { instanceOf: ConfigError, message: /host `etcd11` is not in the inventory; did you mean `etcd1`\?/ });
});
