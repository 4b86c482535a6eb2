import test from 'ava';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { fixture, load } from './helpers.js';

test('the valid fixture loads with plays, tasks, handlers and locations', async (t) => {
  const pb = await loadPlaybook(fixture('valid.yaml'));
  t.is(pb.plays.length, 1);
  const play = pb.plays[0]!;
  t.like(play, { name: 'restart etcd one member at a time', hosts: 'etcd', serial: 1, vars_files: ['vars/common.yaml'] });
  t.is(play.preflight.length, 2);
  t.is(play.tasks.length, 5);
  t.is(play.handlers.length, 1);
  t.like(play.tasks[0], { name: 'restart {{ unit }}', module: 'systemd', register: 'restarted', notify: ['report'] });
  t.like(play.tasks[0]!.loc, { line: 23, col: 7 });
  t.like(play.tasks[0]!.argLocs.name, { line: 25, col: 15 });
  t.like(play.handlers[0], { module: 'debug', args: { msg: 'restarted {{ unit }} in {{ data_dir }}' } });
});

test('a single play (a mapping) is a playbook of one play', (t) => {
  const pb = load('hosts: etcd\ntasks:\n  - shell: echo\n');
  t.is(pb.plays.length, 1);
  t.like(pb.plays[0], { name: 'etcd', hosts: 'etcd', tags: [], vars: {}, preflight: [], handlers: [], rollback: [] });
});

test('free-form arguments map to the module freeForm key; args: merges under the module', (t) => {
  const [task] = load('hosts: all\ntasks:\n  - shell: systemctl restart etcd\n    args: {chdir: /tmp, cmd: ignored}\n').plays[0]!.tasks;
  t.deepEqual(task!.args, { chdir: '/tmp', cmd: 'systemctl restart etcd' });
  t.like(task!.argLocs.cmd, { line: 3, col: 12 });
  t.like(task!.argLocs.chdir, { line: 4, col: 19 });
});

test('key=value arguments (debug: msg="...") are read as Ansible reads them', (t) => {
  const [task] = load(`hosts: all\ntasks:\n  - debug: msg="hello {{ who }}, it's me"\n`).plays[0]!.tasks;
  t.deepEqual(task!.args, { msg: "hello {{ who }}, it's me" });
});

test('a module with no arguments', (t) => {
  const [task] = load('hosts: all\ntasks:\n  - debug:\n').plays[0]!.tasks;
  t.deepEqual(task!.args, {});
});

test('ansible.builtin.X and ansible.legacy.X are the generic module X', (t) => {
  const tasks = load('hosts: all\ntasks:\n  - ansible.builtin.shell: echo\n  - ansible.legacy.command: ls\n  - ansible.builtin.systemd_service: {name: etcd, state: started}\n')
    .plays[0]!.tasks;
  t.deepEqual(
    tasks.map((x) => x.module),
    ['shell', 'command', 'systemd'],
  );
});

test('either-or spellings are normalised', (t) => {
  const play = load(`
hosts: [etcd, kube_control_plane]
tags: upgrade
confirm: true
tasks:
  - shell: echo
    tags: "a, b"
    notify: restart
    when: false
    until: r.rc == 0
    register: r
    changed_when: [true, "r.rc == 1"]
    loop_control: {loop_var: member, label: "{{ member.name }}"}
    loop: [1]
    confirm: Really?
handlers:
  - name: restart
    debug: msg=x
`).plays[0]!;
  t.is(play.hosts, 'etcd,kube_control_plane');
  t.deepEqual(play.tags, ['upgrade']);
  t.is(play.confirm, 'Run "etcd,kube_control_plane"?');
  const task = play.tasks[0]!;
  t.deepEqual(task.tags, ['a', 'b']);
  t.deepEqual(task.notify, ['restart']);
  t.is(task.when, 'false');
  t.deepEqual(task.changed_when, ['true', 'r.rc == 1']);
  t.like(task, { retries: 3, delay: 5, loop_var: 'member', loop_label: '{{ member.name }}', confirm: 'Really?' });
});

test('field locations are kept for validate', (t) => {
  const task = load('hosts: all\ntasks:\n  - shell: echo\n    when:\n      - a\n      - b\n    vars: {x: 1}\n').plays[0]!.tasks[0]!;
  t.like(task.fieldLocs!['when.1'], { line: 6, col: 9 });
  t.like(task.fieldLocs!['vars.x'], { line: 7, col: 15 });
});

test('task rollbacks are tasks', (t) => {
  const task = load('hosts: all\ntasks:\n  - name: stop\n    systemd: {name: etcd, state: stopped}\n    rollback:\n      - systemd: {name: etcd, state: started}\n')
    .plays[0]!.tasks[0]!;
  t.is(task.rollback.length, 1);
  t.like(task.rollback[0], { module: 'systemd', args: { name: 'etcd', state: 'started' }, rollback: [] });
});

test('a template where the module wants another type is left for run time', (t) => {
  const [task] = load('hosts: all\ntasks:\n  - wait_for: {port: "{{ client_port }}", timeout: "{{ t }}"}\n').plays[0]!.tasks;
  t.deepEqual(task!.args, { port: '{{ client_port }}', timeout: '{{ t }}' });
});

test('gather_facts: false is accepted for Ansible compatibility', (t) => {
  t.notThrows(() => load('hosts: all\ngather_facts: false\ntasks: []\n'));
});
