/**
 * Arguments checked before anything changes. A task's module validates its arguments only when
 * the task runs, after the tasks before it have changed things: a bad `cluster_name` was refused
 * by the snapshot step after the backup dir was made. So after preflight, every task whose
 * arguments can already be rendered on a host (they read only what is known now: vars, facts,
 * preflight results) and whose `when` is already true there is checked against its module's
 * schema. A task whose arguments or condition read a name any task of the run registers or sets
 * (its value now may not be its value then) is left to its own run; so is a loop.
 */
import type { PreflightFailure } from '../errors.js';
import { getModule } from '../modules/registry.js';
import type { Task } from '../playbook/types.js';
import { factsOf, walkTasks } from '../playbook/validate.js';
import { evaluateCondition, isTemplate, referencedNames, renderValue } from '../template/index.js';
import type { PlayScope, RunContext } from './context.js';
import { stripOmitted, TaskRunner } from './task-runner.js';

/** every name a task of the playbook registers or sets as a fact: values that change during the run */
export function namesSetByTasks(tasks: readonly Task[]): Set<string> {
  const out = new Set<string>();
  walkTasks(tasks, (t) => {
    if (t.register) out.add(t.register);
    for (const f of factsOf(t)) out.add(f);
  });
  return out;
}

/** every name the task's arguments and condition read */
function namesRead(task: Task): string[] {
  const out: string[] = [];
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      if (isTemplate(v)) out.push(...referencedNames(v));
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v !== null && typeof v === 'object') Object.entries(v).forEach(([k, x]) => (visit(k), visit(x)));
  };
  visit(task.args);
  for (const c of task.when === undefined || typeof task.when === 'boolean' ? [] : Array.isArray(task.when) ? task.when : [task.when]) out.push(...referencedNames(c, { expression: true }));
  return out;
}

/** the schema's complaint about the task's arguments as rendered on `host` now, if it can tell */
export function argumentProblem(runner: TaskRunner, task: Task, host: string, changing: ReadonlySet<string>): string | undefined {
  const module = getModule(task.module);
  if (!module || task.loop !== undefined) return undefined;
  try {
    if (namesRead(task).some((n) => changing.has(n))) return undefined;
  } catch {
    return undefined;
  }
  let rendered: unknown;
  try {
    const vars = runner.varsFor(host, task);
    if (task.when !== undefined && !evaluateCondition(task.when, vars, task.loc)) return undefined;
    rendered = stripOmitted(renderValue(task.args, vars, task.loc));
  } catch {
    // reads what a later task defines (or fails to render): its own run will say
    return undefined;
  }
  const parsed = module.schema.safeParse(rendered);
  if (parsed.success) return undefined;
  return parsed.error.issues.map((i) => `${i.path.join('.') || '(args)'}: ${i.message}`).join('; ');
}

export function checkTaskArguments(run: RunContext, scope: PlayScope, changing: ReadonlySet<string>): PreflightFailure[] {
  const runner = new TaskRunner(run, scope);
  const failures: PreflightFailure[] = [];
  for (const task of [...scope.play.tasks, ...scope.play.handlers]) {
    for (const host of task.run_once ? scope.hosts.slice(0, 1) : scope.hosts) {
      const problem = argumentProblem(runner, task, host, changing);
      if (problem) {
        failures.push({ host, check: `arguments of "${task.name}" (${task.loc.file}:${task.loc.line})`, message: `invalid for \`${task.module}\`: ${problem}` });
      }
    }
  }
  return failures;
}
