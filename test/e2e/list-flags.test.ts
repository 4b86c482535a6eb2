/**
 * `apply --list-hosts` and `--list-tasks` (ansible-playbook's flags): what a run would touch,
 * printed without connecting to anything: the inventory's hosts are names that resolve nowhere.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { runCli } from '../helpers/runbook-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'runbook-e2e-list-'));
const inventory = join(dir, 'hosts.ini');
const playbook = join(dir, 'site.yaml');
writeFileSync(inventory, '[etcd]\nm1.invalid\nm2.invalid\nm3.invalid\n[web]\nw1.invalid\n');
writeFileSync(
  playbook,
  `- name: members
  hosts: etcd
  tags: [etcd]
  tasks:
    - name: check
      command: "true"
      tags: [check]
    - name: change
      command: "true"
- name: web
  hosts: web
  tasks:
    - name: reload
      command: "true"
      tags: [reload]
`,
);

test('--list-hosts: each play, its pattern and its hosts, after --limit; nothing is contacted', async (t) => {
  const r = await runCli(['apply', playbook, '-i', inventory, '--list-hosts', '-l', 'all:!m2.invalid']);
  t.is(r.code, 0, r.stderr);
  t.is(
    r.stdout,
    `\nplaybook: ${playbook}\n\n  play #1 (etcd): members\tTAGS: [etcd]\n    pattern: ['etcd']\n    hosts (2):\n      m1.invalid\n      m3.invalid\n\n  play #2 (web): web\tTAGS: []\n    pattern: ['web']\n    hosts (1):\n      w1.invalid\n`,
  );
});

test('--list-tasks: the tasks each play would run, after --tags / --skip-tags', async (t) => {
  const all = await runCli(['apply', playbook, '-i', inventory, '--list-tasks']);
  t.is(all.code, 0, all.stderr);
  t.regex(all.stdout, /play #1 \(etcd\): members\tTAGS: \[etcd\]\n {4}tasks:\n {6}check\tTAGS: \[etcd, check\]\n {6}change\tTAGS: \[etcd\]\n/);
  t.regex(all.stdout, /play #2 \(web\): web\tTAGS: \[\]\n {4}tasks:\n {6}reload\tTAGS: \[reload\]\n/);
  const tagged = await runCli(['apply', playbook, '-i', inventory, '--list-tasks', '-t', 'check,reload']);
  t.regex(tagged.stdout, /check\tTAGS/);
  t.notRegex(tagged.stdout, /change\tTAGS/);
  const skipped = await runCli(['apply', playbook, '-i', inventory, '--list-tasks', '--skip-tags', 'etcd']);
  t.notRegex(skipped.stdout, /check\tTAGS|change\tTAGS/);
  t.regex(skipped.stdout, /reload\tTAGS/);
});

test("-y is --yaml (inventory, as in ansible-inventory); apply's confirmation is the long --yes only", async (t) => {
  const yaml = await runCli(['inventory', '-i', inventory, '--host', 'm1.invalid', '-y']);
  t.is(yaml.code, 0, yaml.stderr);
  t.is(yaml.stdout.trim(), '{}');
  const short = await runCli(['apply', playbook, '-i', inventory, '-y', '--list-hosts']);
  t.not(short.code, 0);
  t.regex(short.stderr, /unknown option '-y'/);
});
