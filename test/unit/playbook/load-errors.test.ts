import test from 'ava';
import { z } from 'zod';
import { ConfigError } from '../../../src/errors.js';
import { registerModules } from '../../../src/modules/registry.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { brief, fixture, load, problemsOf } from './helpers.js';

test('the fixtures with one mistake each report it at its line and column', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['syntax-error.yaml', /^5:5: YAML syntax error: flow sequence in block collection must be sufficiently indented/],
    ['unknown-key.yaml', /^2:3: unknown key `serail` in play \(did you mean `serial`\?\)$/],
    ['bad-type.yaml', /^7:16: `retries` must be a whole number, or a template such as "{{ n }}", got string "three"$/],
  ];
  for (const [file, expected] of cases) {
    const err = await t.throwsAsync(loadPlaybook(fixture(file)), { instanceOf: ConfigError });
    t.is(err!.problems.length, 1, file);
    t.regex(brief(err!.problems[0]!), expected, file);
    t.is(err!.problems[0]!.loc!.file, fixture(file));
    t.is(err!.exitCode, 2);
  }
});

test('a missing file', async (t) => {
  await t.throwsAsync(loadPlaybook(fixture('no-such.yaml')), { instanceOf: ConfigError, message: /no such playbook/ });
});

test('every problem is reported, in reading order', (t) => {
  const problems = problemsOf(
    t,
    `- hosts: etcd
  serail: 1
  tasks:
    - shel: echo
    - name: x
      shell: echo
      retries: three
`,
  );
  t.deepEqual(problems.map(brief), [
    '2:3: unknown key `serail` in play (did you mean `serial`?)',
    '4:7: unknown key `shel` in task (did you mean `shell`?)',
    '7:16: `retries` must be a whole number, or a template such as "{{ n }}", got string "three"',
  ]);
  t.is(problems[0]!.key, 'plays[0].serail');
  t.is(problems[1]!.key, 'plays[0].tasks[0].shel');
});

test('duplicate keys are errors', (t) => {
  t.deepEqual(problemsOf(t, 'hosts: a\nhosts: b\n').map(brief), [
    '2:1: duplicate key `hosts` (each key may appear once in a mapping; the later one would silently win)',
  ]);
});

test('empty files and wrong top-level shapes', (t) => {
  t.regex(problemsOf(t, '')[0]!.message, /the playbook is empty/);
  t.regex(problemsOf(t, 'just text')[0]!.message, /a playbook must be a play/);
  t.regex(problemsOf(t, '- just text')[0]!.message, /each play must be a mapping/);
});

test('missing hosts', (t) => {
  t.deepEqual(problemsOf(t, 'name: x\ntasks: []\n').map(brief), ['1:1: missing `hosts` in play']);
});

test('type errors name the key, what it takes and what it got, at the value', (t) => {
  const problems = problemsOf(
    t,
    `hosts: etcd
serial: "thirty"
max_fail_percentage: 120
become: maybe
tasks:
  - shell: echo
    tags: [1]
    loop_control: {loop_var: 3}
    when: {a: 1}
`,
  );
  t.deepEqual(problems.map(brief), [
    '2:9: `serial` must be a number, a percentage such as "30%", or a list of them, got string "thirty"',
    '3:22: `max_fail_percentage` must be a number from 0 to 100, got number 120',
    '4:9: `become` must be a boolean (true/false, yes/no), got string "maybe"',
    '7:12: `tags[0]` must be a string, got number 1',
    '8:30: `loop_control.loop_var` must be a variable name (letters, digits, _), got number 3',
    '9:11: `when` must be a condition (an expression such as `x == 1`), a boolean, or a list of them, got mapping',
  ]);
});

test('unknown keys in tasks, handlers and loop_control suggest the nearest name', (t) => {
  const problems = problemsOf(
    t,
    `hosts: etcd
tasks:
  - name: a
    shell: echo
    registr: out
    loop_control: {loop_vr: x}
handlers:
  - name: h
    debug: {msg: hi}
    notfy: h
`,
  );
  t.deepEqual(problems.map(brief), [
    '5:5: unknown key `registr` in task "a" (did you mean `register`?)',
    '6:20: unknown key `loop_vr` in `loop_control` (did you mean `loop_var`?)',
    '10:5: unknown key `notfy` in handler "h" (did you mean `notify`?)',
  ]);
});

test('Ansible keys runbook does not have say what to use instead', (t) => {
  const problems = problemsOf(t, 'hosts: all\nroles: [x]\ntasks:\n  - shell: echo\n    with_items: [1]\n  - block: []\n');
  t.deepEqual(problems.map(brief), [
    '2:1: unknown key `roles` in play (roles are not supported; put the tasks in `tasks:`)',
    '5:5: unknown key `with_items` in task (use `loop:`)',
    '6:5: unknown key `block` in task (blocks are not supported; give the task or play a `rollback:` list for cleanup)',
  ]);
});

test('a misspelt module is suggested', (t) => {
  t.deepEqual(problemsOf(t, 'hosts: all\ntasks:\n  - systmd: {name: etcd}\n').map(brief), [
    '3:5: unknown key `systmd` in task (did you mean `systemd`?)',
  ]);
  t.deepEqual(problemsOf(t, 'hosts: all\ntasks:\n  - ansible.builtin.apt: {name: x}\n').map(brief), [
    '3:5: unknown key `ansible.builtin.apt` in task (`apt` is not a runbook module; see `runbook modules`)',
  ]);
});

test('a task with no module or two modules', (t) => {
  t.deepEqual(problemsOf(t, 'hosts: all\ntasks:\n  - name: nothing\n    when: x\n').map(brief), [
    '3:5: task has no module (a task names exactly one module, e.g. `shell: systemctl restart etcd`; see `runbook modules`)',
  ]);
  t.deepEqual(problemsOf(t, 'hosts: all\ntasks:\n  - shell: echo\n    command: ls\n').map(brief), [
    '4:5: task has more than one module: `shell` and `command` (a task runs exactly one module; split it into two tasks)',
  ]);
});

test('module arguments are checked by the module schema, with suggestions', (t) => {
  const problems = problemsOf(
    t,
    `hosts: all
tasks:
  - copy:
      src: files/etcd.conf
      dset: /etc/etcd.conf
  - systemd: {name: etcd, state: restart}
  - wait_for: {port: 2379, timeout: soon}
`,
  ).map(brief);
  t.is(problems.length, 4);
  t.is(problems[0], '3:5: missing `dest` in `copy`');
  t.is(problems[1], '5:7: unknown argument `dset` in `copy` (did you mean `dest`?)');
  // the allowed values are the module's business; the shape of the message is ours
  t.regex(problems[2]!, /^6:34: `systemd` argument `state` must be one of `started`, .*, got string "restart"$/);
  t.regex(problems[3]!, /^7:37: `wait_for` argument `timeout` must be .*, got string "soon"$/);
});

test('templated argument values are checked at run time, not now', (t) => {
  t.notThrows(() => load('hosts: all\ntasks:\n  - systemd: {name: etcd, state: "{{ wanted }}"}\n  - wait_for: {port: "{{ p }}"}\n'));
});

test('a string for a module that takes a mapping', (t) => {
  t.deepEqual(problemsOf(t, 'hosts: all\ntasks:\n  - systemd: etcd\n').map(brief), [
    '3:14: `systemd` takes a mapping of arguments, not a string (write its arguments under it, e.g. `systemd: {name: ..., state: ...}`)',
  ]);
});

test('preflight runs only read-only modules (and command/shell)', (t) => {
  const problems = problemsOf(
    t,
    `hosts: all
preflight:
  - command: etcdctl endpoint health
  - assert: {that: "x == 1"}
  - copy: {content: x, dest: /tmp/x}
    rollback: []
`,
  );
  t.deepEqual(problems.map(brief), [
    '5:5: `copy` can change a host, so it cannot run in preflight (preflight only reads: use read-only modules (assert, debug, wait_for, etcd status checks) or command/shell; move changes to `tasks:`)',
    '6:5: unknown key `rollback` in preflight task (preflight tasks change nothing, so they have nothing to roll back)',
  ]);
});

test('rollback tasks cannot have their own rollback', (t) => {
  t.deepEqual(problemsOf(t, 'hosts: all\ntasks:\n  - shell: a\n    rollback:\n      - shell: b\n        rollback: []\n').map(brief), [
    '6:9: unknown key `rollback` in rollback task (a rollback task cannot have its own rollback)',
  ]);
});

test('notify must name a handler of the play', (t) => {
  t.deepEqual(problemsOf(t, 'hosts: all\ntasks:\n  - shell: a\n    notify: [restart etdc]\nhandlers:\n  - name: restart etcd\n    debug:\n').map(brief), [
    '4:14: notify: no handler named "restart etdc" in this play (did you mean "restart etcd"?)',
  ]);
  t.regex(brief(problemsOf(t, 'hosts: all\ntasks:\n  - shell: a\n    notify: x\n')[0]!), /no handler named "x".*add it under `handlers:`/);
});

test('handlers need a name; two handlers with one name are an error', (t) => {
  t.regex(problemsOf(t, 'hosts: all\nhandlers:\n  - debug:\n')[0]!.message, /a handler needs a `name`/);
  t.regex(problemsOf(t, 'hosts: all\nhandlers:\n  - name: h\n    debug:\n  - name: h\n    debug:\n')[0]!.message, /two handlers are named "h"/);
});

test('variable, register and loop_var names must be usable in templates', (t) => {
  const problems = problemsOf(
    t,
    `hosts: all
vars:
  etcd-name: x
  groups: y
tasks:
  - shell: a
    register: my-result
  - shell: b
    register: hostvars
  - shell: c
    loop: [1]
    loop_control: {loop_var: "x y"}
`,
  );
  t.deepEqual(problems.map(brief), [
    '3:3: `etcd-name` is not a valid variable name (use letters, digits and _; templates cannot refer to names with - or .)',
    '4:3: `groups` is a built-in variable and cannot be set in vars',
    '7:15: `register` must be a variable name (letters, digits, _), got "my-result"',
    '9:15: `hostvars` is a built-in variable; choose another name for `register`',
    '12:30: `loop_var` must be a variable name (letters, digits, _), got "x y"',
  ]);
});

test('an Ansible Vault value without a vault password is a problem at its key, saying how to give one', (t) => {
  const [p] = problemsOf(t, 'hosts: all\nvars:\n  pw: !vault |\n    $ANSIBLE_VAULT;1.1;AES256\n    3132\n');
  t.regex(p!.message, /`pw` \(`!vault`\) is encrypted with ansible-vault, and no vault password was given/);
  t.regex(p!.hint!, /--vault-password-file/);
  t.like(p!.loc, { line: 3, col: 3 });
});


test("a module's own rule over templated values waits for rendering; over literals it is reported", (t) => {
  // a module of this test file only (each test file runs in a process of its own)
  registerModules([
    {
      name: 'test_range',
      summary: 'a module with a rule over two arguments',
      schema: z
        .object({ low: z.unknown(), high: z.unknown() })
        .strict()
        .refine((a) => typeof a.low !== 'number' || typeof a.high !== 'number' || a.low <= a.high, 'low must not be above high'),
      readOnly: true,
      describe: () => 'test',
      run: async () => ({ changed: false }),
    },
  ]);
  t.notThrows(() => load('hosts: all\ntasks:\n  - test_range: {low: 5, high: "{{ h }}"}\n'));
  t.deepEqual(problemsOf(t, 'hosts: all\ntasks:\n  - test_range: {low: 5, high: 1}\n').map(brief), ['3:17: `test_range`: low must not be above high']);
});
