import { computeBatches } from './batches.js';
import type { PlayScope, RunContext } from './context.js';
import { describeTask, displayName } from './describe-task.js';
import { selectedByTags } from './task-filter.js';
import { TaskRunner } from './task-runner.js';
import type { Vars } from '../inventory/types.js';
import type { Task } from '../playbook/types.js';
import { evaluateCondition, render } from '../template/index.js';

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
      const n = `  ${String(i + 1).padStart(2)}.`;
      const name = displayName(t, vars);
      if (skippedFor(t, vars)) {
        lines.push(`${n} ${name}: skipped (when: ${[t.when].flat().join(' and ')})`);
        return;
      }
      const rb = t.rollback.length ? `  (undo: ${t.rollback.map((r) => r.name).join('; ')})` : '';
      lines.push(`${n} ${name}: ${oneLine(describeTask(t, vars))}${rb}`);
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

/** a `when` that is already false for the first host (a feature turned off by a variable) */
function skippedFor(task: Task, vars: Vars): boolean {
  if (task.when === undefined) return false;
  try {
    return !evaluateCondition(task.when, vars, task.loc);
  } catch {
    return false; // needs a value only known at run time
  }
}

/** a multi-line script on one line, cut to what fits a terminal */
function oneLine(text: string, max = 160): string {
  const flat = text.split('\n').map((l) => l.trim()).filter(Boolean).join('; ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
