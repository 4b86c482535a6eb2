import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NoTtyPrompter, ScriptedPrompter } from '../../../src/engine/confirm.js';
import { play, runOn, shellTask } from './engine-fixture.js';

const undoable = (n: number) =>
  shellTask(`step ${n}`, `do ${n}`, { rollback: [shellTask(`undo ${n}`, `undo ${n}`)] });

test('a failure in task 4 on one host undoes tasks 1-3 on every host, newest first', async (t) => {
  const pb = play([undoable(1), undoable(2), undoable(3), shellTask('step 4', 'do 4')]);
  const { summary, hosts } = await runOn(pb, ['a', 'b', 'c'], {
    prepare: (h) => (h.get('b')!.failOn = /^do 4$/),
  });
  t.is(summary.exitCode, 1);
  t.is(summary.status, 'rolled_back');
  for (const h of ['a', 'c']) {
    t.deepEqual(hosts.get(h)!.log, ['do 1', 'do 2', 'do 3', 'do 4', 'undo 3', 'undo 2', 'undo 1'], h);
  }
  t.deepEqual(hosts.get('b')!.log, ['do 1', 'do 2', 'do 3', 'do 4', 'undo 3', 'undo 2', 'undo 1']);
  t.is(summary.recap.b!.failed, 1);
  t.is(summary.recap.a!.rolled_back, 3);
  t.regex(summary.recap.a!.state, /rolled back: 3 step/);
});

test('a failing rollback step does not stop the others and the recap says so', async (t) => {
  const pb = play([undoable(1), undoable(2), shellTask('step 3', 'do 3')]);
  const { summary, hosts } = await runOn(pb, ['a', 'b'], {
    prepare: (h) => {
      h.get('a')!.failOn = /^(do 3|undo 2)$/;
    },
  });
  t.is(summary.status, 'rollback_failed');
  t.is(summary.exitCode, 6, 'rollback incomplete has its own exit code');
  t.deepEqual(hosts.get('a')!.log, ['do 1', 'do 2', 'do 3', 'undo 2', 'undo 1']);
  t.regex(summary.recap.a!.state, /ROLLBACK INCOMPLETE: "undo 2"/);
  t.regex(summary.recap.b!.state, /rolled back: 2 step/);
});

test('the play rollback runs after the task undos, on every host the play touched', async (t) => {
  const pb = play([undoable(1), shellTask('boom', 'fail here')], { rollback: [shellTask('play cleanup', 'cleanup')] });
  const { hosts } = await runOn(pb, ['a', 'b'], { prepare: (h) => (h.get('a')!.failOn = /fail here/) });
  t.deepEqual(hosts.get('a')!.log, ['do 1', 'fail here', 'undo 1', 'cleanup']);
  t.deepEqual(hosts.get('b')!.log, ['do 1', 'fail here', 'undo 1', 'cleanup']);
});

test('a failing preflight check changes nothing and exits 3', async (t) => {
  const pb = play([undoable(1)], { preflight: [shellTask('disk ok', 'check disk')] });
  const { summary, hosts } = await runOn(pb, ['a', 'b'], { prepare: (h) => (h.get('b')!.failOn = /check disk/) });
  t.is(summary.exitCode, 3);
  t.deepEqual(hosts.get('a')!.log, ['check disk']);
  t.deepEqual(hosts.get('b')!.log, ['check disk']);
  t.regex(summary.message ?? '', /b: disk ok/);
});

test('an unreachable host stops the run before preflight, exit 4', async (t) => {
  const pb = play([undoable(1)], { preflight: [shellTask('disk ok', 'check disk')] });
  const { summary, hosts } = await runOn(pb, ['a', 'b'], { unreachable: ['b'] });
  t.is(summary.exitCode, 4);
  t.deepEqual(hosts.get('a')!.log, []);
  t.regex(summary.message ?? '', /b: connection refused/);
});

test('without a terminal and without --yes the run refuses (exit 5) after preflight, changing nothing', async (t) => {
  const pb = play([undoable(1)], { preflight: [shellTask('ok', 'check')] });
  const { summary, hosts } = await runOn(pb, ['a'], { options: { yes: false }, prompter: new NoTtyPrompter() });
  t.is(summary.exitCode, 5);
  t.deepEqual(hosts.get('a')!.log, ['check']);
  t.regex(summary.message ?? '', /--yes/);
});

test('answering no at the confirmation changes nothing', async (t) => {
  const prompter = new ScriptedPrompter({ confirm: false });
  const { summary, hosts } = await runOn(play([undoable(1)], { confirm: 'This restarts etcd.' }), ['a'], { options: { yes: false }, prompter });
  t.is(summary.exitCode, 5);
  t.deepEqual(hosts.get('a')!.log, []);
  t.regex(prompter.asked[0] ?? '', /This restarts etcd\.[\s\S]*Proceed\?/);
  t.regex(prompter.asked[0] ?? '', /step 1: .*do 1.*undo: undo 1/);
});

test('check mode runs nothing that changes a host and needs no confirmation', async (t) => {
  const pb = play([undoable(1), shellTask('read only', 'cat x', { check_mode: false })]);
  const { summary, hosts } = await runOn(pb, ['a'], { options: { check: true, yes: false }, prompter: new NoTtyPrompter() });
  t.is(summary.exitCode, 0);
  t.deepEqual(hosts.get('a')!.log, ['cat x']);
});

test('serial batches: a failure in the second batch undoes the first batch too', async (t) => {
  const pb = play([undoable(1), undoable(2)], { serial: 1 });
  const { hosts } = await runOn(pb, ['a', 'b'], { prepare: (h) => (h.get('b')!.failOn = /^do 2$/) });
  t.deepEqual(hosts.get('a')!.log, ['do 1', 'do 2', 'undo 2', 'undo 1']);
  t.deepEqual(hosts.get('b')!.log, ['do 1', 'do 2', 'undo 1']);
});

test('when, register and loop behave as in Ansible', async (t) => {
  const pb = play([
    shellTask('probe', 'probe', { register: 'probe' }),
    shellTask('only when ok', 'conditional', { when: 'probe.rc == 0' }),
    shellTask('never', 'never', { when: ['probe.rc == 0', 'false'] }),
    shellTask('loop', 'echo {{ item | quote }}', { loop: ['x', 'semi; rm -rf /'] }),
  ]);
  const { hosts, summary } = await runOn(pb, ['a']);
  t.is(summary.exitCode, 0);
  t.deepEqual(hosts.get('a')!.log, ['probe', 'conditional', 'echo x', "echo 'semi; rm -rf /'"]);
});

test('until/retries polls and fails after the last attempt', async (t) => {
  const pb = play([shellTask('poll', 'poll', { register: 'r', until: 'r.rc == 0', retries: 2, delay: 0 })]);
  const { hosts, summary } = await runOn(pb, ['a'], { prepare: (h) => (h.get('a')!.failOn = /poll/) });
  t.is(hosts.get('a')!.log.length, 3);
  t.is(summary.exitCode, 1);
});

test('retries, delay and timeout may be templates, rendered with each host\'s variables', async (t) => {
  const pb = play([shellTask('poll', 'poll', { register: 'r', until: 'r.rc == 0', retries: '{{ tries }}', delay: "{{ '0' }}", timeout: '{{ 30 }}' })], {
    vars: { tries: 4 },
  });
  const { hosts, summary } = await runOn(pb, ['a'], { prepare: (h) => (h.get('a')!.failOn = /poll/) });
  t.is(hosts.get('a')!.log.length, 5, 'the first attempt and 4 retries');
  t.is(summary.exitCode, 1);

  const bad = play([shellTask('poll', 'poll', { register: 'r', until: 'r.rc == 0', retries: '{{ tries }}', delay: 0 })], { vars: { tries: 'many' } });
  const { hosts: badHosts, summary: badSummary, events } = await runOn(bad, ['a']);
  t.is(badSummary.exitCode, 1);
  t.deepEqual(badHosts.get('a')!.log, [], 'nothing ran');
  const end = events.find((e) => e.type === 'host:end');
  t.regex((end as { msg?: string }).msg ?? '', /retries must be a whole number ≥ 0; `\{\{ tries \}\}` gave "many"/);
});

test('failed_when / changed_when / ignore_errors override the module', async (t) => {
  const pb = play([
    shellTask('tolerated', 'grep x', { register: 'g', failed_when: 'g.rc > 1', changed_when: false }),
    shellTask('ignored', 'broken', { ignore_errors: true }),
    shellTask('after', 'after'),
  ]);
  const { hosts, summary } = await runOn(pb, ['a'], { prepare: (h) => (h.get('a')!.failOn = /grep x|broken/) });
  t.is(summary.exitCode, 0);
  t.deepEqual(hosts.get('a')!.log, ['grep x', 'broken', 'after']);
  t.is(summary.recap.a!.ignored, 1);
});

test('handlers run once per notified host at the end of the play', async (t) => {
  const pb = play([shellTask('change', 'change', { notify: ['restart'] }), shellTask('again', 'again', { notify: ['restart'] })], {
    handlers: [shellTask('restart', 'restart it')],
  });
  const { hosts } = await runOn(pb, ['a']);
  t.deepEqual(hosts.get('a')!.log, ['change', 'again', 'restart it']);
});

test('every run writes events.jsonl and summary.json with secrets redacted', async (t) => {
  const pb = play([shellTask('uses secret', 'login {{ db_password }}')], { vars: { db_password: 'hunter2-secret' } });
  const { summary } = await runOn(pb, ['a'], { options: {} });
  const events = readFileSync(join(summary.runDir, 'events.jsonl'), 'utf8');
  t.true(events.includes('"type":"run:end"'));
  t.false(events.includes('hunter2-secret'));
  const saved = JSON.parse(readFileSync(join(summary.runDir, 'summary.json'), 'utf8'));
  t.is(saved.status, 'ok');
});

test('set_fact with run_once is visible on every host of the batch; module facts persist', async (t) => {
  const pb = play([
    { ...shellTask('pick', 'x'), module: 'set_fact', args: { chosen: '{{ inventory_hostname }}' }, run_once: true },
    shellTask('use', 'echo {{ chosen }} on {{ inventory_hostname }}'),
  ]);
  const { hosts, summary } = await runOn(pb, ['a', 'b']);
  t.is(summary.exitCode, 0);
  t.deepEqual(hosts.get('a')!.log, ['echo a on a']);
  t.deepEqual(hosts.get('b')!.log, ['echo a on b']);
});

test('vars_files are read as validate reads them: YAML as Ansible reads it (yes is a boolean)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'runbook-vars-files-'));
  writeFileSync(join(dir, 'v.yaml'), 'flag: yes\nname: etcd1\n');
  const pb = play([shellTask('use', 'echo {{ flag }} {{ name }}')], { vars_files: [join(dir, 'v.yaml')] });
  const { hosts, summary } = await runOn(pb, ['a']);
  t.is(summary.exitCode, 0);
  t.deepEqual(hosts.get('a')!.log, ['echo true etcd1']);
});

test("a templated task name reads as each host sees it in that host's events; task:end matches task:start", async (t) => {
  const pb = play([shellTask('restart {{ inventory_hostname }}', 'echo {{ inventory_hostname }}')]);
  const { events, summary } = await runOn(pb, ['a', 'b']);
  t.is(summary.exitCode, 0);
  const hostEvents = events.filter((e) => e.type === 'host:start' || e.type === 'host:end' || e.type === 'cmd');
  t.true(hostEvents.length >= 6);
  for (const e of hostEvents) t.is((e as { task: string }).task, `restart ${(e as { host: string }).host}`, e.type);
  const start = events.find((e) => e.type === 'task:start' && e.phase === 'task');
  const end = events.find((e) => e.type === 'task:end' && e.phase === 'task');
  t.is((start as { task: string }).task, 'restart a');
  t.is((end as { task: string }).task, 'restart a');
});

test('failure and UNDO lines name tasks as the hosts read them, never `{{ inventory_hostname }}`', async (t) => {
  const pb = play([
    shellTask('stop {{ inventory_hostname }}', 'do 1', { rollback: [shellTask('start {{ inventory_hostname }} again', 'undo 1')] }),
    shellTask('restart {{ inventory_hostname }}', 'do 2'),
  ]);
  const { summary, events } = await runOn(pb, ['a', 'b'], { prepare: (h) => (h.get('b')!.failOn = /^do 2$/) });
  t.is(summary.exitCode, 1);
  t.is(summary.message, 'task "restart b" failed on b');
  const undo = events.filter((e) => e.type === 'rollback:step');
  t.true(undo.length > 0);
  for (const e of undo) if (e.type === 'rollback:step') t.notRegex(`${e.undoes} ${e.step}`, /\{\{/);
  const titles = events.filter((e) => e.type === 'task:start' && e.phase === 'rollback').map((e) => (e as { task: string }).task);
  t.deepEqual(titles, ['start a again (undo of "stop a")']);
  t.true(undo.some((e) => e.type === 'rollback:step' && e.host === 'b' && e.undoes === 'stop b' && e.step === 'start b again'));
});
