import type { RunOptions } from './context.js';
import type { Vars } from '../inventory/types.js';
import type { Task } from '../playbook/types.js';
import { evaluateCondition } from '../template/index.js';

/** `--tags` / `--skip-tags`, as Ansible: `always` runs unless skipped by name, `never` only when asked for. */
export function selectedByTags(task: Task, playTags: string[], opts: Pick<RunOptions, 'tags' | 'skipTags'>): boolean {
  const tags = new Set([...playTags, ...task.tags]);
  if (opts.skipTags.some((t) => tags.has(t))) return false;
  if (opts.tags.length === 0 || opts.tags.includes('all')) return !tags.has('never');
  if (tags.has('always')) return true;
  return opts.tags.some((t) => tags.has(t));
}

/** false only when `when` is known to be false on this host now (a value known only at run time counts as maybe) */
export function conditionMayHold(task: Task, vars: Vars): boolean {
  if (task.when === undefined) return true;
  try {
    return evaluateCondition(task.when, vars, task.loc);
  } catch {
    return true;
  }
}
