import type { Task } from '../playbook/types.js';

/** the reason a task declined at --step carries in its events, the live view and the recap */
export const SKIPPED_AT_STEP = 'you answered no at --step';

/**
 * The --step question for one task, with the hosts it is about to run on and its name as those
 * hosts read it: `Run "Restart etcd on node2" on node2?`. When the hosts read the name
 * differently, each host's reading is given.
 */
export function stepQuestion(task: Task, hosts: string[], nameOn: (host: string) => string): string {
  const names = hosts.map((h) => [h, nameOn(h)] as const);
  const distinct = new Set(names.map(([, n]) => n));
  if (distinct.size <= 1) return `Run "${names[0]?.[1] ?? task.name}" on ${hosts.join(', ')}?`;
  return `Run ${names.map(([h, n]) => `"${n}" on ${h}`).join(', ')}?`;
}
