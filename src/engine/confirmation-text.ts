import { computeBatches } from './batches.js';
import type { PlayScope, RunContext } from './context.js';
import { describeTask } from './describe-task.js';
import { selectedByTags } from './task-filter.js';
import { TaskRunner } from './task-runner.js';
import { render } from '../template/index.js';

/** What the operator agrees to: hosts, batches, every task with its command, and each play's warning. */
export function confirmationText(run: RunContext, scopes: PlayScope[]): string {
  const lines: string[] = [];
  for (const scope of scopes) {
    const { play, hosts } = scope;
    const runner = new TaskRunner(run, scope);
    const vars = runner.varsFor(hosts[0]!);
    const batches = computeBatches(hosts, play.serial);
    lines.push(`Play "${play.name}" on ${hosts.length} host(s): ${hosts.join(', ')}${hosts.length > 1 ? ` (commands shown as rendered for ${hosts[0]})` : ''}`);
    if (batches.length > 1) lines.push(`  in ${batches.length} batches: ${batches.map((b) => `[${b.join(', ')}]`).join(' ')}`);
    const tasks = play.tasks.filter((t) => selectedByTags(t, play.tags, run.options));
    tasks.forEach((t, i) => {
      const rb = t.rollback.length ? `  (undo: ${t.rollback.map((r) => r.name).join('; ')})` : '';
      lines.push(`  ${String(i + 1).padStart(2)}. ${t.name}: ${describeTask(t, vars)}${rb}`);
    });
    if (play.confirm) {
      let msg = play.confirm;
      try {
        msg = render(play.confirm, vars, play.loc);
      } catch {
        /* shown as written */
      }
      lines.push('', msg.trimEnd());
    }
    lines.push('');
  }
  lines.push('Proceed?');
  return lines.join('\n');
}
