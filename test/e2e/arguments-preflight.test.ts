/**
 * A task's arguments are checked before anything changes when they can be judged already: a bad
 * value given with -e used to be refused only when its task ran, after earlier tasks had changed
 * things (a bad cluster_name after the backup dir was made). The built CLI runs on a local
 * connection; the proof is a directory the first task would create.
 */
import test from 'ava';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/runbook-cli.js';

function setup(secondTask: string) {
  const dir = mkdtempSync(join(tmpdir(), 'args-preflight-'));
  const made = join(dir, 'made');
  writeFileSync(join(dir, 'hosts.yaml'), 'all:\n  hosts:\n    ctl: {ansible_connection: local}\n');
  writeFileSync(
    join(dir, 'site.yaml'),
    `- hosts: all
  vars:
    unit: etcd
  tasks:
    - name: make the directory
      file: {path: ${made}, state: directory}
      register: first
${secondTask}
`,
  );
  const args = (...extra: string[]) => ['apply', join(dir, 'site.yaml'), '-i', join(dir, 'hosts.yaml'), '--yes', '-o', 'json', '--runs-dir', join(dir, 'runs'), '--lock', 'none', ...extra];
  return { dir, made, args };
}

test('a bad -e value in a later task is refused in preflight: exit 3, nothing made, the task and argument named', async (t) => {
  const s = setup(`    - name: start the unit
      systemd: {name: "{{ unit }}", state: started}`);
  const r = await runCli(s.args('-e', 'unit=-bad'));
  t.is(r.code, 3, r.stdout + r.stderr);
  t.false(existsSync(s.made), 'the first task did not run');
  t.regex(r.end?.message ?? '', /arguments of "start the unit" \(.*site\.yaml:\d+\): invalid for `systemd`: name:/, r.stdout + r.stderr);
});

test('a task reading what an earlier task registers is judged when it runs, not before', async (t) => {
  const s = setup(`    - name: start the unit the first task names
      systemd: {name: "-{{ first.path | basename }}", state: started}`);
  const r = await runCli(s.args());
  // reached the task (the first one ran and was rolled back), refused there
  t.is(r.code, 1, r.stdout + r.stderr);
  t.regex(r.stdout + r.stderr, /invalid arguments for `systemd` after templating/);
});

test('a task under a condition that is false now is not judged', async (t) => {
  const s = setup(`    - name: start the unit only when asked
      systemd: {name: "{{ unit }}", state: started}
      when: start_it | default(false) | bool`);
  const r = await runCli(s.args('-e', 'unit=-bad'));
  t.is(r.code, 0, r.stdout + r.stderr);
  t.true(existsSync(s.made));
});
