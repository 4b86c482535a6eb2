import type { RunOptions } from './context.js';
import type { Task } from '../playbook/types.js';

/** `--tags` / `--skip-tags`, as Ansible: `always` runs unless skipped by name, `never` only when asked for. */
export function selectedByTags(task: Task, playTags: string[], opts: Pick<RunOptions, 'tags' | 'skipTags'>): boolean {
  const tags = new Set([...playTags, ...task.tags]);
  if (opts.skipTags.some((t) => tags.has(t))) return false;
  if (opts.tags.length === 0 || opts.tags.includes('all')) return !tags.has('never');
  if (tags.has('always')) return true;
  return opts.tags.some((t) => tags.has(t));
}
