/**
 * Variables every task can read without defining them; the engine provides them for each host
 * (src/engine/task-runner.ts). `item` / `ansible_loop` exist inside loops only.
 */
export const BUILTIN_VARIABLES: readonly string[] = [
  'inventory_hostname',
  'inventory_hostname_short',
  'groups',
  'group_names',
  'hostvars',
  'play_hosts',
  'ansible_play_hosts',
  'ansible_play_batch',
  'run_id',
  'playbook_dir',
  'omit',
  'check_mode',
  'ansible_check_mode',
];

/** defined inside a loop, besides its loop variable */
export const LOOP_VARIABLES: readonly string[] = ['ansible_loop'];
