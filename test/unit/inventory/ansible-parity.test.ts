/**
 * Parity with Ansible itself: for the fixtures and the example inventories, our
 * `runbook inventory --list` must equal what the real `ansible-inventory --list` prints,
 * and host patterns must select what `ansible PATTERN --list-hosts` selects.
 *
 * CI installs ansible-core; there a missing ansible-inventory fails the run. On a
 * workstation without Ansible these tests are skipped.
 */
import test from 'ava';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ansibleGraph, ansibleList } from '../../../src/inventory/ansible-list.js';
import { loadInventory } from '../../../src/inventory/load.js';
import { FIXTURES } from './_temp-inventory.js';

const run = promisify(execFile);
const EXAMPLES = join(FIXTURES, '../../../inventory');
const hasAnsible = spawnSync('ansible-inventory', ['--version'], { stdio: 'ignore' }).status === 0;
const hasAnsibleCli = spawnSync('ansible', ['--version'], { stdio: 'ignore' }).status === 0;

// Ansible's defaults only: no ansible.cfg from the working directory or the environment
const workdir = mkdtempSync(join(tmpdir(), 'runbook-ansible-'));
const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ANSIBLE_')));
Object.assign(env, { ANSIBLE_LOCAL_TEMP: workdir, ANSIBLE_NOCOLOR: '1', ANSIBLE_DEPRECATION_WARNINGS: 'False' });

async function ansible(cmd: string, args: string[]): Promise<string> {
  const { stdout } = await run(cmd, args, { cwd: workdir, env, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/**
 * The one difference by design: Ansible prints `!unsafe` strings as {"__ansible_unsafe": "..."};
 * runbook keeps them as plain strings (docs/inventory.md, "Differences from Ansible").
 */
function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0]![0] === '__ansible_unsafe') return entries[0]![1];
    return Object.fromEntries(entries.map(([k, v]) => [k, normalise(v)]));
  }
  return value;
}

const sources: Record<string, string[]> = {
  'kubespray fixture': [join(FIXTURES, 'kubespray/inventory.ini')],
  'precedence fixture': [join(FIXTURES, 'precedence/hosts.ini')],
  'ranges fixture': [join(FIXTURES, 'ranges/hosts.ini')],
  'typed values fixture': [join(FIXTURES, 'typed/hosts.ini')],
  'YAML shapes fixture': [join(FIXTURES, 'yaml-shapes/hosts.yml')],
  'directory source fixture': [join(FIXTURES, 'dir-source')],
  'two sources': [join(FIXTURES, 'multi/a.ini'), join(FIXTURES, 'multi/b/b.yaml')],
  'example systemd-cluster/hosts.yaml': [join(EXAMPLES, 'systemd-cluster/hosts.yaml')],
  'example systemd-cluster/hosts.ini': [join(EXAMPLES, 'systemd-cluster/hosts.ini')],
  'example systemd-cluster/ (directory)': [join(EXAMPLES, 'systemd-cluster')],
  'example kubeadm-cluster/hosts.ini': [join(EXAMPLES, 'kubeadm-cluster/hosts.ini')],
  'example kubeadm-cluster/hosts.yaml': [join(EXAMPLES, 'kubeadm-cluster/hosts.yaml')],
  'example kubeadm-cluster/ (directory)': [join(EXAMPLES, 'kubeadm-cluster')],
};

const patterns = [
  'all',
  '*',
  'etcd',
  'k8s_cluster',
  'node5,etcd',
  'node5:etcd:node1',
  'etcd:!node2',
  '!node2,etcd',
  'k8s_cluster:&etcd',
  'k8s_cluster:!kube_control_plane',
  '!etcd',
  '~node[12]',
  'kube_*',
  'node?',
  'node[!123]',
  'etcd[0]',
  'etcd[-1]',
  'etcd[0:1]',
  'etcd[1:]',
  'k8s_cluster[3:4]',
  'localhost',
  'etcd,localhost',
  'calico_rr',
];

if (!hasAnsible && process.env.CI) {
  test('ansible-inventory is installed (CI must install ansible-core)', (t) => {
    t.fail('ansible-inventory was not found on PATH; the Ansible parity tests cannot run');
  });
} else {
  const maybe = hasAnsible ? test : test.skip;

  for (const [name, srcs] of Object.entries(sources)) {
    maybe(`--list equals ansible-inventory --list: ${name}`, async (t) => {
      const theirs = JSON.parse(await ansible('ansible-inventory', [...srcs.flatMap((s) => ['-i', s]), '--list']));
      const ours = JSON.parse(JSON.stringify(ansibleList(await loadInventory(srcs))));
      t.deepEqual(ours, normalise(theirs));
    });
  }

  for (const [name, srcs] of Object.entries(sources).slice(0, 3)) {
    maybe(`--graph equals ansible-inventory --graph: ${name}`, async (t) => {
      const theirs = await ansible('ansible-inventory', [...srcs.flatMap((s) => ['-i', s]), '--graph']);
      t.is(ansibleGraph(await loadInventory(srcs)) + '\n', theirs);
    });
  }

  const patternTest = hasAnsibleCli ? maybe : test.skip;
  const kubespray = join(FIXTURES, 'kubespray/inventory.ini');
  for (const pattern of patterns) {
    patternTest(`pattern ${pattern} selects what ansible --list-hosts selects`, async (t) => {
      const out = await ansible('ansible', [pattern, '-i', kubespray, '--list-hosts']);
      const theirs = out
        .split('\n')
        .slice(1)
        .map((l) => l.trim())
        .filter((l) => l !== '');
      t.deepEqual((await loadInventory([kubespray])).select(pattern), theirs);
    });
  }
}
