/**
 * The words of the playbook language that are not module names: what each key expects (for
 * messages) and the Ansible keys runbook deliberately does not have (with what to use instead).
 */

/** Variable, register and loop_var names: what a template can refer to. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** "must be ..." phrases for type errors, by key */
export const EXPECTS: Record<string, string> = {
  name: 'a string',
  hosts: 'a host pattern (a string such as `etcd` or `etcd:!node3`) or a list of them',
  vars: 'a mapping of variable names to values',
  vars_files: 'a file path or a list of them',
  serial: 'a number, a percentage such as "30%", or a list of them',
  max_fail_percentage: 'a number from 0 to 100',
  become: 'a boolean (true/false, yes/no)',
  become_user: 'a user name',
  preflight: 'a list of tasks',
  tasks: 'a list of tasks',
  handlers: 'a list of tasks',
  rollback: 'a list of tasks',
  confirm: 'a message (a string) or true',
  tags: 'a tag or a list of tags',
  when: 'a condition (an expression such as `x == 1`), a boolean, or a list of them',
  changed_when: 'a condition, a boolean, or a list of them',
  failed_when: 'a condition, a boolean, or a list of them',
  until: 'a condition (an expression such as `result.rc == 0`)',
  register: 'a variable name (letters, digits, _)',
  retries: 'a whole number, or a template such as "{{ n }}"',
  delay: 'a number of seconds, or a template',
  timeout: 'a number of seconds, or a template',
  run_once: 'a boolean',
  delegate_to: 'a host name',
  loop: 'a list, or a template that gives one',
  loop_control: 'a mapping with `loop_var` (and optionally `label`)',
  loop_var: 'a variable name (letters, digits, _)',
  label: 'a string',
  ignore_errors: 'a boolean',
  notify: 'a handler name or a list of them',
  no_log: 'a boolean',
  rollback_idempotent: 'a boolean',
  check_mode: 'a boolean',
  args: 'a mapping of module arguments',
  gather_facts: 'false (runbook never gathers facts)',
};

/** Ansible keys runbook does not have, and what to write instead. */
export const NOT_SUPPORTED: Record<string, string> = {
  block: 'blocks are not supported; give the task or play a `rollback:` list for cleanup',
  rescue: 'blocks are not supported; use `rollback:` on the task or play',
  always: 'blocks are not supported; use `rollback:` on the task or play',
  with_items: 'use `loop:`',
  with_list: 'use `loop:`',
  with_dict: 'use `loop: "{{ mapping | dict2items }}"`',
  with_fileglob: 'use `loop:` with a list',
  with_sequence: 'use `loop: "{{ range(1, n + 1) | list }}"`',
  include_tasks: 'a playbook is one file; put the tasks here',
  import_tasks: 'a playbook is one file; put the tasks here',
  import_playbook: 'a playbook is one file; run playbooks one after another',
  include_role: 'roles are not supported; put the tasks here',
  import_role: 'roles are not supported; put the tasks here',
  roles: 'roles are not supported; put the tasks in `tasks:`',
  pre_tasks: 'use `preflight:` for read-only checks, or `tasks:`',
  post_tasks: 'use `tasks:`',
  local_action: 'use `delegate_to: localhost`',
  environment: 'set environment variables in the command itself (`FOO=bar cmd`)',
  become_method: 'runbook always uses sudo',
  remote_user: 'set `ansible_user` in the inventory',
  connection: 'set `ansible_connection` in the inventory',
  strategy: 'runbook runs each task on all hosts of a batch before the next task (Ansible\'s linear strategy)',
  any_errors_fatal: 'use `max_fail_percentage: 0`',
  async: 'use `timeout:`; tasks do not run in the background',
  poll: 'use `until:` with `retries:` and `delay:`',
  debugger: 'not supported',
  collections: 'not needed: modules are built in',
  module_defaults: 'not supported; write arguments on each task',
  listen: 'notify handlers by their `name`',
};

/** Ansible's names for the generic modules, accepted as `ansible.builtin.X` (and `ansible.legacy.X`). */
export const ANSIBLE_BUILTIN_MODULES: Record<string, string> = {
  command: 'command',
  shell: 'shell',
  copy: 'copy',
  template: 'template',
  fetch: 'fetch',
  file: 'file',
  lineinfile: 'lineinfile',
  systemd: 'systemd',
  systemd_service: 'systemd',
  wait_for: 'wait_for',
  assert: 'assert',
  set_fact: 'set_fact',
  debug: 'debug',
  pause: 'pause',
};

const FQCN_PREFIXES = ['ansible.builtin.', 'ansible.legacy.'];

/** `ansible.builtin.shell` -> `shell`; other names unchanged */
export function moduleAlias(key: string): string | undefined {
  for (const prefix of FQCN_PREFIXES) {
    if (key.startsWith(prefix)) return ANSIBLE_BUILTIN_MODULES[key.slice(prefix.length)];
  }
  return undefined;
}
