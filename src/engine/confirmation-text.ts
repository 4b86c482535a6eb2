import { computeBatches } from './batches.js';
import type { PlayScope, RunContext } from './context.js';
import { describeTask, displayName } from './describe-task.js';
import { conditionMayHold, selectedByTags } from './task-filter.js';
import { TaskRunner } from './task-runner.js';
import type { Vars } from '../inventory/types.js';
import type { Task } from '../playbook/types.js';
import { render } from '../template/index.js';

export interface ConfirmationLayout {
  /** the terminal's rows: the text and its prompt line must fit; no limit when unknown */
  rows?: number;
  /** the terminal's columns: step lines are cut to them, long summary lines counted as the rows they wrap to */
  cols?: number;
  /** preflight warnings, shown in the summary */
  warnings?: string[];
  /** the command that lists every step, offered when they do not all fit */
  planCommand?: string;
  /** the inventory files or directories, as given */
  inventory?: string[];
}

/**
 * What the operator agrees to, most important first: each play's own `confirm:` text, the
 * inventory and cluster, the order and who leads, any preflight warning; then the steps, each
 * with the hosts it will really run on (a task skipped on every host is left out). Nothing is
 * shown as an unrendered template, no_log tasks show only their name, and the whole text fits
 * the terminal: steps that do not fit are counted and left to `runbook plan`.
 */
export function confirmationText(run: RunContext, scopes: PlayScope[], layout: ConfirmationLayout = {}): string {
  const summary: string[] = [];
  const steps: string[] = [];
  for (const scope of scopes) {
    if (!scope.play.confirm) continue;
    const runner = new TaskRunner(run, scope);
    const text = tryRender(scope.play.confirm, runner.varsFor(scope.hosts[0]!));
    if (text) summary.push(...text.trimEnd().split('\n'));
  }
  const allHosts = [...new Set(scopes.flatMap((s) => s.hosts))];
  const first = scopes[0]!;
  const cluster = clusterName(new TaskRunner(run, first).varsFor(first.hosts[0]!));
  summary.push(`Inventory ${run.options.check ? '(check mode) ' : ''}${layout.inventory?.join(', ') ?? ''}${cluster ? `, cluster ${cluster}` : ''}: ${allHosts.length} host(s), ${allHosts.join(', ')}`);
  const leaders = allHosts.filter((h) => run.facts.get(h)?.etcd_is_leader === true);
  if (leaders.length === 1) summary.push(`Leader now: ${leaders[0]}`);
  for (const w of layout.warnings ?? []) summary.push(`WARNING: ${w}`);

  let n = 0;
  for (const scope of scopes) {
    const { play, hosts } = scope;
    const runner = new TaskRunner(run, scope);
    const batches = computeBatches(hosts, play.serial);
    const tasks = play.tasks.filter((t) => selectedByTags(t, play.tags, run.options));
    const rows: string[] = [];
    const active = new Set<string>();
    for (const t of tasks) {
      const on = hosts.filter((h) => conditionMayHold(t, runner.varsFor(h, t)));
      if (!on.length) continue;
      on.forEach((h) => active.add(h));
      rows.push(`  ${String(++n).padStart(2)}. ${nameFor(t, on, runner)}${on.length === hosts.length ? '' : ` (on ${on.join(', ')} only)`}${what(t, runner.varsFor(on[0]!, t))}`);
    }
    if (!rows.length) continue;
    const order = batches.length > 1 ? `, one batch at a time: ${batches.map((b) => b.filter((h) => active.has(h)).join(' + ')).filter(Boolean).join(', then ')}` : '';
    steps.push(`${play.name} [${[...active].join(', ')}]${order}`, ...rows);
  }

  const prompt = 'Proceed?';
  const cols = layout.cols;
  const cut = (l: string) => (cols && l.length > cols - 1 ? `${l.slice(0, cols - 2)}…` : l);
  const height = (l: string) => (cols ? Math.max(1, Math.ceil(l.length / cols)) : 1);
  const lines = [...summary, ''];
  // the prompt line and one spare row stay free, so the summary is never scrolled away
  let room = layout.rows ? layout.rows - 2 - lines.reduce((n, l) => n + height(l), 0) : Infinity;
  for (const [i, l] of steps.map(cut).entries()) {
    const left = steps.length - i;
    if (left > 1 && room <= 1) {
      lines.push(cut(`  … ${left} more line(s) of steps: \`runbook plan\` lists them all`));
      break;
    }
    lines.push(l);
    room--;
  }
  lines.push(prompt);
  return lines.join('\n');
}

function tryRender(text: string, vars: Vars): string | undefined {
  try {
    return render(text, vars);
  } catch {
    return undefined; // never a raw template: left out instead
  }
}

/** the name as each host reads it; one name when they read it alike */
function nameFor(task: Task, hosts: string[], runner: TaskRunner): string {
  const names = [...new Set(hosts.map((h) => displayName(task, runner.varsFor(h, task))))];
  if (names.length === 1 && !names[0]!.includes('{{')) return names[0]!;
  // rendered once for "each host" instead of for one of them
  const generic = tryRender(task.name, { ...runner.varsFor(hosts[0]!, task), inventory_hostname: 'each host', inventory_hostname_short: 'each host' });
  return generic && !generic.includes('{{') ? generic : names[0]!.replace(/\{\{.*?\}\}/g, '…');
}

/** the command and its undo, when they render now; never for a no_log task */
function what(task: Task, vars: Vars): string {
  if (task.no_log) return '';
  const cmd = describeTask(task, vars).split('\n').map((l) => l.trim()).filter(Boolean).join('; ');
  const undo = task.rollback.length ? ` (undo: ${task.rollback.map((r) => r.name).join('; ')})` : '';
  return cmd && !cmd.includes('{{') ? `: ${cmd}${undo}` : undo;
}

function clusterName(vars: Vars): string | undefined {
  for (const k of ['etcd_cluster_name', 'cluster_name', 'etcd_initial_cluster_token']) {
    const v = vars[k];
    if (typeof v === 'string' && v && !v.includes('{{')) return v;
  }
  return undefined;
}
