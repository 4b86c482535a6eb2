import type { SourceLocation } from '../errors.js';
import type { Vars } from '../inventory/types.js';

export type Serial = number | string | Array<number | string>;

/** A task after loading and schema validation; args are still unrendered templates. */
export interface Task {
  name: string;
  /** module name, e.g. `shell`, `etcd_snapshot_save` */
  module: string;
  /** module arguments as written (free-form strings already mapped to the module's freeForm key) */
  args: Record<string, unknown>;
  when?: string | string[];
  register?: string;
  until?: string;
  /** a number, or a template rendered per host when the task runs */
  retries?: number | string;
  delay?: number | string;
  run_once?: boolean;
  delegate_to?: string;
  loop?: unknown;
  loop_var?: string;
  /** `loop_control.label`: what to show for each item instead of the whole item (templated) */
  loop_label?: string;
  changed_when?: string | boolean | string[];
  failed_when?: string | boolean | string[];
  ignore_errors?: boolean;
  become?: boolean;
  become_user?: string;
  /** seconds; a number, or a template rendered per host when the task runs */
  timeout?: number | string;
  tags: string[];
  notify: string[];
  /** ask before running this task */
  confirm?: string;
  /** tasks that undo this one; pushed on the host's undo stack when this task completes */
  rollback: Task[];
  /**
   * its rollback steps may run twice and need not its own result: undone by `runbook rollback`
   * also when the controller died while it ran (engine/orphan-rollback.ts)
   */
  rollback_idempotent?: boolean;
  no_log?: boolean;
  /** false: run even in check mode (the task only reads); true: always run as a check */
  check_mode?: boolean;
  vars?: Vars;
  loc: SourceLocation;
  /** locations of each argument value, for template errors (nested values dotted: `env.FOO`) */
  argLocs: Record<string, SourceLocation>;
  /** where each task key's value was written (`when`, `when.1`, `vars.x`, `loop`), for validate */
  fieldLocs?: Record<string, SourceLocation>;
}

export interface Play {
  name: string;
  hosts: string;
  vars: Vars;
  /** as written; a relative path is relative to the playbook's directory */
  vars_files: string[];
  serial?: Serial;
  max_fail_percentage?: number;
  become?: boolean;
  become_user?: string;
  /** read-only checks run on every host before anything changes */
  preflight: Task[];
  /** message shown when asking the operator to go ahead */
  confirm?: string;
  tasks: Task[];
  handlers: Task[];
  /** run after the tasks' own rollbacks when the play fails */
  rollback: Task[];
  tags: string[];
  loc: SourceLocation;
  /** where each play key's value was written (`hosts`, `vars.x`, `vars_files.0`), for validate */
  fieldLocs?: Record<string, SourceLocation>;
}

export interface Playbook {
  file: string;
  plays: Play[];
}
