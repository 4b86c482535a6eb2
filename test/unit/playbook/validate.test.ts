import test from 'ava';
import { loadInventory } from '../../../src/inventory/load.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { validatePlaybook, type ValidationProblem } from '../../../src/playbook/validate.js';
import { brief, fixture, load } from './helpers.js';

const inventory = () => loadInventory([fixture('inventory.ini')]);

function briefs(problems: ValidationProblem[]): string[] {
  return problems.map((p) => `${p.severity} ${brief(p)}`);
}

test('the valid fixture: without -i an inventory variable is only a warning', async (t) => {
  const problems = validatePlaybook(await loadPlaybook(fixture('valid.yaml')));
  t.deepEqual(briefs(problems), ['warning 42:14: `etcd_name` is not defined in the playbook (is it an inventory variable? pass -i to check)']);
});

test('with -i, a variable missing on one targeted host is an error naming the host', async (t) => {
  const problems = validatePlaybook(await loadPlaybook(fixture('valid.yaml')), { inventory: await inventory() });
  t.deepEqual(briefs(problems), [
    'error 42:14: `etcd_name` is not defined for host etcd3 (define it for every host the play targets, or guard it with `| default(...)`)',
  ]);
});

test('extra vars define names everywhere', async (t) => {
  const problems = validatePlaybook(await loadPlaybook(fixture('valid.yaml')), { inventory: await inventory(), extraVars: { etcd_name: 'x' } });
  t.deepEqual(problems, []);
});

test('the undefined-variable fixture: a typo is suggested, guarded names are fine', async (t) => {
  const pb = await loadPlaybook(fixture('undefined-variable.yaml'));
  t.deepEqual(briefs(validatePlaybook(pb)), [
    'warning 7:15: `unti` is not defined in the playbook (did you mean `unit`?)',
    'warning 12:13: `restarted` is not defined in the playbook (is it an inventory variable? pass -i to check)',
  ]);
  t.deepEqual(briefs(validatePlaybook(pb, { inventory: await inventory() })), [
    'error 7:15: undefined variable `unti` (did you mean `unit`?)',
    'error 12:13: undefined variable `restarted` (define it in vars, the inventory, or with -e)',
  ]);
});

test('a registered name is defined only after its task', async (t) => {
  const pb = load('hosts: etcd\ntasks:\n  - debug: {msg: "{{ out.stdout }}"}\n  - shell: echo\n    register: out\n  - debug: {msg: "{{ out.stdout }}"}\n');
  t.deepEqual(briefs(validatePlaybook(pb, { inventory: await inventory() })), [
    'error 3:18: undefined variable `out` (it is registered at line 5, which does not run before this)',
  ]);
});

test('registered results and facts carry over to later plays and handlers', async (t) => {
  const pb = load(`
- hosts: etcd
  tasks:
    - shell: etcdctl version
      register: version_out
    - set_fact: {leader: etcd1}
      notify: h
  handlers:
    - name: h
      debug: {msg: "{{ leader }} {{ version_out.rc }}"}
- hosts: etcd
  tasks:
    - debug: {msg: "{{ leader }} {{ version_out.stdout }}"}
`);
  t.deepEqual(validatePlaybook(pb, { inventory: await inventory() }), []);
});

test('item and loop_var exist only inside loops', async (t) => {
  const pb = load(`hosts: etcd
tasks:
  - debug: {msg: "{{ item }}"}
    loop: [1, 2]
  - debug: {msg: "{{ member }} {{ ansible_loop.index }}"}
    loop: "{{ groups.etcd }}"
    loop_control: {loop_var: member}
  - debug: {msg: "{{ item }}"}
`);
  // without -i too: a loop variable outside its loop is certainly a mistake
  t.deepEqual(briefs(validatePlaybook(pb)), ['error 8:18: `item` is only defined inside a task with `loop:`']);
});

test('`when: x is defined` covers the whole task; default and is defined guard anywhere', async (t) => {
  const pb = load(`hosts: etcd
tasks:
  - debug: {msg: "{{ maybe.value }}"}
    when: maybe is defined
  - debug: {msg: "{{ other | default('none') }} {{ 'y' if third is defined else 'n' }}"}
  - shell: "echo {{ fourth }}"
    when: [fourth is defined, fourth | length > 0]
`);
  t.deepEqual(validatePlaybook(pb, { inventory: await inventory() }), []);
});

test('conditions, until, changed_when and expression arguments are checked as expressions', async (t) => {
  const pb = load(`hosts: etcd
tasks:
  - shell: etcdctl endpoint health
    register: health
    until: health.rc == 0 and helth.stdout
    changed_when: false
    failed_when: health.rc != 0 and not ignore_me
  - assert:
      that:
        - health.rc == 0
        - healt.rc == 0
  - debug: {var: nothing_here}
  - debug: {msg: x}
    when: cond_var
`);
  t.deepEqual(briefs(validatePlaybook(pb, { inventory: await inventory() })), [
    'error 5:12: undefined variable `helth` (did you mean `health`?)',
    'error 7:18: undefined variable `ignore_me` (define it in vars, the inventory, or with -e)',
    'error 11:11: undefined variable `healt` (did you mean `health`?)',
    'error 12:18: undefined variable `nothing_here` (define it in vars, the inventory, or with -e)',
    'error 14:11: undefined variable `cond_var` (define it in vars, the inventory, or with -e)',
  ]);
});

test('play vars may use names defined later (they are rendered when read), task vars are local', async (t) => {
  const pb = load(`hosts: etcd
vars:
  summary: "{{ status.stdout }} on {{ etcd_name }}"
tasks:
  - shell: etcdctl endpoint status
    register: status
  - debug: {msg: "{{ summary }} {{ port }}"}
    vars:
      port: "{{ client_port }}"
  - debug: {msg: "{{ port }}"}
`);
  t.deepEqual(briefs(validatePlaybook(pb, { inventory: await inventory(), extraVars: { etcd_name: 'e' } })), [
    'error 10:18: undefined variable `port` (it is a task variable at line 7, which does not run before this)',
  ]);
});

test('template syntax errors and unknown filters are errors without -i', (t) => {
  const pb = load('hosts: etcd\ntasks:\n  - shell: "echo {{ x | quote }"\n  - shell: "echo {{ x | qoute }}"\n');
  t.deepEqual(
    briefs(validatePlaybook(pb)).map((s) => s.replace(/ \(.*$/, '')),
    ['error 3:12: template syntax error: expected variable end', 'error 4:12: unknown filter `qoute`'],
  );
});

test('vars_files are read relative to the playbook; a missing one is an error', async (t) => {
  const ok = load('hosts: etcd\nvars_files: [vars/common.yaml]\ntasks:\n  - debug: {msg: "{{ client_port }}"}\n', fixture('inline.yaml'));
  t.deepEqual(validatePlaybook(ok), []);
  const missing = load('hosts: etcd\nvars_files: [vars/nope.yaml]\ntasks: []\n', fixture('inline.yaml'));
  t.deepEqual(briefs(validatePlaybook(missing)), [`error 2:14: vars_files: no such file: ${fixture('vars/nope.yaml')} (paths are relative to the playbook)`]);
});

test('hosts: a pattern that matches nothing warns; an unknown group is an error', async (t) => {
  const inv = await inventory();
  const none = load('hosts: "etcd:!etcd1:!etcd2:!etcd3"\ntasks: []\n');
  t.deepEqual(
    briefs(validatePlaybook(none, { inventory: inv })).map((s) => s.replace(/ \(.*$/, '')),
    ['warning 1:8: hosts `etcd:!etcd1:!etcd2:!etcd3` matches no host of the inventory'],
  );
  const unknown = validatePlaybook(load('hosts: etdc\ntasks: []\n'), { inventory: inv });
  t.is(unknown.length, 1);
  t.is(unknown[0]!.severity, 'error');
});

test('hosts may be templated with extra vars', async (t) => {
  const pb = load('hosts: "{{ target }}"\ntasks:\n  - debug: {msg: "{{ etcd_name }}"}\n');
  t.deepEqual(validatePlaybook(pb, { inventory: await inventory(), extraVars: { target: 'etcd1,etcd2' } }), []);
  t.deepEqual(
    briefs(validatePlaybook(pb, { inventory: await inventory() })).map((s) => s.replace(/ \(.*$/, '')),
    ['error 1:8: undefined variable `target`'],
  );
});

test('built-in variables need no definition', async (t) => {
  const pb = load(`hosts: etcd
tasks:
  - debug:
      msg: "{{ inventory_hostname }} {{ inventory_hostname_short }} {{ groups.etcd }} {{ group_names }} {{ hostvars[inventory_hostname] }} {{ play_hosts }} {{ ansible_play_hosts }} {{ run_id }} {{ playbook_dir }} {{ check_mode }} {{ ansible_check_mode }} {{ x | default(omit) }}"
`);
  t.deepEqual(validatePlaybook(pb, { inventory: await inventory() }), []);
});

test('task rollbacks see the task result; the play rollback sees everything the play defines', async (t) => {
  const pb = load(`hosts: etcd
tasks:
  - shell: mv a b
    register: moved
    rollback:
      - shell: "mv b a # {{ moved.rc }}"
rollback:
  - debug: {msg: "{{ moved.rc | default(0) }} {{ later.rc }}"}
  - shell: echo
    register: later
`);
  t.deepEqual(validatePlaybook(pb, { inventory: await inventory() }), []);
});

/** what validate says of a playbook, against the test inventory */
async function messages(pb: ReturnType<typeof load>): Promise<string[]> {
  return validatePlaybook(pb, { inventory: await inventory() }).map((p) => p.message);
}

test("a task's undo steps see what the undo steps before them registered, and only those", async (t) => {
  const pb = load(`hosts: etcd
tasks:
  - shell: mv a b
    register: moved
    rollback:
      - shell: "test -e b # {{ moved.rc }} {{ too_early.rc }}"
      - shell: ls b
        register: found
      - shell: "mv b a # {{ found.stdout }}"
      - shell: echo
        register: too_early
`);
  t.deepEqual(await messages(pb), ['undefined variable `too_early`']);
});

test('retries, delay and timeout may be templates, and their names are checked', async (t) => {
  const pb = load(`hosts: etcd
vars: {tries: 5}
tasks:
  - shell: probe
    register: r
    until: r.rc == 0
    retries: "{{ tries }}"
    delay: "{{ pause_s }}"
    timeout: 30
`);
  t.deepEqual(await messages(pb), ['undefined variable `pause_s`']);
});

test('the play confirmation may use what preflight registered', async (t) => {
  const pb = load('hosts: etcd\npreflight:\n  - etcd_status: {}\n    register: st\nconfirm: "Go on from revision {{ st.revision }}?"\ntasks: []\n');
  t.deepEqual(validatePlaybook(pb, { inventory: await inventory() }), []);
});
