/**
 * `-e backup_dri=/tmp/x` used to run with the default backup_dir. A name typed with -e that
 * nothing in the run reads is refused, with the likely name, unless passed on purpose.
 */
import test from 'ava';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { validatePlaybook, type ValidationProblem } from '../../../src/playbook/validate.js';
import { namedOnCommandLine } from '../../../src/vars/command-line-names.js';
import { brief, load } from './helpers.js';

const PLAYBOOK = `
- hosts: all
  vars:
    backup_dir: /var/backups/etcd
    keep_last: 7
  tasks:
    - name: make it
      file:
        path: "{{ backup_dir }}"
        state: directory
      when: snapshot_name is defined
`;

const errors = (problems: ValidationProblem[]) => problems.filter((p) => p.severity === 'error').map(brief);

test('a misspelled -e name is refused with the name it likely meant', (t) => {
  const problems = validatePlaybook(load(PLAYBOOK), { extraVars: { backup_dri: '/tmp/x' }, extraVarNames: ['backup_dri'] });
  t.deepEqual(errors(problems), [
    '1:1: extra var `backup_dri` (-e) is not read by pb.yaml: nothing in it would use the value (did you mean `backup_dir`? to pass it on purpose, add --allow-unused-var backup_dri)',
  ]);
});

test('names read anywhere count: templates, conditions under a guard, declared play vars, the engine and Ansible names', (t) => {
  const names = ['backup_dir', 'snapshot_name', 'keep_last', 'etcd_data_dir', 'ansible_user', 'etcd_config_style'];
  const problems = validatePlaybook(load(PLAYBOOK), { extraVars: Object.fromEntries(names.map((n) => [n, 'x'])), extraVarNames: names });
  t.deepEqual(errors(problems), []);
});

test('--allow-unused-var passes one name on purpose, and only that one', (t) => {
  const problems = validatePlaybook(load(PLAYBOOK), { extraVars: { note: 'x', nope: 'y' }, extraVarNames: ['note', 'nope'], allowUnread: ['note'] });
  t.deepEqual(errors(problems).length, 1);
  t.regex(errors(problems)[0]!, /`nope`/);
});

test('names from -e @file are not checked: a shared vars file holds names for many playbooks', (t) => {
  const problems = validatePlaybook(load(PLAYBOOK), { extraVars: { other_playbooks_var: 'x' }, extraVarNames: [] });
  t.deepEqual(errors(problems), []);
});

test("a template file's names count as read; a templated template path turns the check off", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'unread-'));
  mkdirSync(join(dir, 'templates'));
  writeFileSync(join(dir, 'templates', 'conf.j2'), 'x={{ only_in_template }}\n');
  const pb = (src: string) => `- hosts: all\n  tasks:\n    - template:\n        src: ${src}\n        dest: /tmp/x\n`;
  writeFileSync(join(dir, 'a.yaml'), pb('conf.j2'));
  writeFileSync(join(dir, 'b.yaml'), pb('"{{ which }}.j2"'));
  const a = await loadPlaybook(join(dir, 'a.yaml'));
  t.deepEqual(errors(validatePlaybook(a, { extraVars: { only_in_template: 1 }, extraVarNames: ['only_in_template'] })), []);
  t.is(errors(validatePlaybook(a, { extraVars: { only_in_templat: 1 }, extraVarNames: ['only_in_templat'] })).length, 1);
  const b = await loadPlaybook(join(dir, 'b.yaml'));
  t.deepEqual(errors(validatePlaybook(b, { extraVars: { which: 'conf', anything: 1 }, extraVarNames: ['which', 'anything'] })), []);
});

test('the names typed on the command line: key=value and inline mappings, never @file', async (t) => {
  t.deepEqual(await namedOnCommandLine(['a=1 b=2', '{"c": 3}', '@/nonexistent/file.yaml', '']), ['a', 'b', 'c']);
});

test('every shipped runbook reads the -e names its docs show', async (t) => {
  const cases: Array<[string, string[]]> = [
    ['playbooks/etcd-heartbeat-tuning.yaml', ['heartbeat_interval', 'election_timeout']],
    ['playbooks/etcd-backup.yaml', ['backup_dir', 'keep_last']],
    ['playbooks/restore-etcd.yaml', ['snapshot']],
    ['playbooks/replace-member.yaml', ['member']],
  ];
  for (const [file, names] of cases) {
    const problems = validatePlaybook(await loadPlaybook(file), { extraVars: Object.fromEntries(names.map((n) => [n, '1'])), extraVarNames: names });
    t.deepEqual(errors(problems), [], file);
  }
});
