/**
 * `apply --list-hosts` and `apply --list-tasks`: what a run would touch, in ansible-playbook's
 * layout, without connecting to anything or asking anything.
 */
import { selectedByTags } from '../engine/task-filter.js';
import type { Inventory, Vars } from '../inventory/types.js';
import type { Playbook } from '../playbook/types.js';
import { render } from '../template/index.js';

export interface ListOptions {
  limit?: string;
  tags: string[];
  skipTags: string[];
  hosts: boolean;
  tasks: boolean;
}

export function listPlaybook(playbook: Playbook, inventory: Inventory, extraVars: Vars, o: ListOptions): string {
  const limited = o.limit ? new Set(inventory.select(o.limit)) : undefined;
  const lines = ['', `playbook: ${playbook.file}`];
  playbook.plays.forEach((play, i) => {
    const pattern = render(play.hosts, { ...play.vars, ...extraVars }, play.loc);
    lines.push('', `  play #${i + 1} (${pattern}): ${play.name}\tTAGS: [${play.tags.join(', ')}]`);
    if (o.hosts) {
      const hosts = inventory.select(pattern).filter((h) => !limited || limited.has(h));
      lines.push(`    pattern: ['${pattern}']`, `    hosts (${hosts.length}):`, ...hosts.map((h) => `      ${h}`));
    }
    if (o.tasks) {
      lines.push('    tasks:');
      for (const t of play.tasks.filter((t) => selectedByTags(t, play.tags, o))) {
        lines.push(`      ${t.name}\tTAGS: [${[...new Set([...play.tags, ...t.tags])].join(', ')}]`);
      }
    }
  });
  return `${lines.join('\n')}\n`;
}
