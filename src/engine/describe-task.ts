import type { Vars } from '../inventory/types.js';
import { getModule } from '../modules/registry.js';
import type { Task } from '../playbook/types.js';
import { isTemplate, render, renderValue } from '../template/index.js';

/**
 * The one line `plan` and the confirmation show for a task, e.g. `systemctl stop etcd`.
 * Arguments are rendered with the host's variables when they can be; a template that needs a
 * value only known at run time (a registered result) is shown as written.
 */
export function describeTask(task: Task, vars?: Vars): string {
  // plan and the confirmation are outputs like any other: no_log hides the command there too
  if (task.no_log) return `${task.module} <hidden: no_log>`;
  const module = getModule(task.module);
  if (!module) return `${task.module} (unknown module)`;
  let args: unknown = task.args;
  if (vars) {
    try {
      args = renderValue(task.args, vars, task.loc);
    } catch {
      args = task.args;
    }
  }
  const parsed = module.schema.safeParse(args);
  try {
    return parsed.success ? module.describe(parsed.data) : `${task.module} ${JSON.stringify(task.args)}`;
  } catch {
    return `${task.module} ${JSON.stringify(task.args)}`;
  }
}

/** A task's name as people read it: `Keep the last {{ keep_last }} backups` shows the number. */
export function displayName(task: Task, vars: Vars): string {
  if (!isTemplate(task.name)) return task.name;
  try {
    return render(task.name, vars, task.loc);
  } catch {
    return task.name;
  }
}
