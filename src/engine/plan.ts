import { dirname, resolve } from 'node:path';
import type { Inventory, Vars } from '../inventory/types.js';
import type { Playbook, Task } from '../playbook/types.js';
import { render } from '../template/index.js';
import { computeBatches } from './batches.js';
import type { PlayScope, RunContext, RunOptions } from './context.js';
import { describeTask } from './describe-task.js';
import { EventBus } from '../events/bus.js';
import { NoTtyPrompter } from './confirm.js';
import { selectedByTags } from './task-filter.js';
import { TaskRunner } from './task-runner.js';
import { loadVarsFiles } from './vars-files.js';
import type { VaultKeyring } from '../vault/keyring.js';
import { Secrets } from './redact.js';
import { containsTemplate } from './host-vars.js';

export interface PlannedStep {
  task: string;
  module: string;
  /** the command-like line, rendered for this host where possible */
  action: string;
  when?: string;
  loc: string;
  rollback: { task: string; action: string }[];
}

export interface PlannedPlay {
  play: string;
  hosts: string[];
  batches: string[][];
  preflight: { task: string; action: string }[];
  steps: Record<string, PlannedStep[]>;
  handlers: string[];
  rollback: { task: string; action: string }[];
}

/**
 * `runbook plan`: what apply would do, per host, without connecting: each step with its
 * rendered command, the batches `serial` makes, and each step's undo.
 */
export async function planPlaybook(playbook: Playbook, inventory: Inventory, extraVars: Vars, opts: { limit?: string; tags: string[]; skipTags: string[]; vault?: VaultKeyring }): Promise<PlannedPlay[]> {
  const limited = opts.limit ? new Set(inventory.select(opts.limit)) : undefined;
  const playbookDir = dirname(resolve(playbook.file));
  const options: RunOptions = { check: true, diff: false, forks: 1, yes: false, step: false, tags: opts.tags, skipTags: opts.skipTags };
  const run: RunContext = {
    runId: '<run_id>',
    runDir: '<run_dir>',
    playbookFile: playbook.file,
    playbookDir,
    inventory,
    extraVars,
    options,
    bus: new EventBus(),
    connections: {
      get: () => Promise.reject(new Error('plan does not connect')),
      becomeFor: () => ({ loginUser: '' }),
    },
    prompter: new NoTtyPrompter(),
    facts: new Map(),
    signal: new AbortController().signal,
    secrets: new Secrets(),
  };
  run.secrets.addNamed(extraVars);
  for (const v of opts.vault?.revealed ?? []) run.secrets.add(v);
  for (const h of inventory.hosts.keys()) run.secrets.addNamed(inventory.varsFor(h));
  const out: PlannedPlay[] = [];
  for (const [playIndex, play] of playbook.plays.entries()) {
    const pattern = render(play.hosts, { ...play.vars, ...extraVars }, play.loc);
    const hosts = inventory.select(pattern).filter((h) => !limited || limited.has(h));
    const varsFilesVars = loadVarsFiles(play.vars_files, playbook.file, { ...play.vars, ...extraVars }, opts.vault);
    const scope: PlayScope = { play, playIndex, hosts, varsFilesVars };
    const runner = new TaskRunner(run, scope);
    const tasks = play.tasks.filter((t) => selectedByTags(t, play.tags, options));
    const steps: Record<string, PlannedStep[]> = {};
    const describe = (t: Task, vars: Vars) => ({ task: t.name, action: describeTask(t, vars) });
    for (const host of hosts) {
      const vars = runner.varsFor(host);
      const rendered = (name: string, raw: unknown) => (containsTemplate(raw) ? vars[name] : raw);
      for (const layer of [inventory.varsFor(host), play.vars, varsFilesVars, extraVars]) run.secrets.addNamed(layer, rendered);
      for (const t of tasks) if (t.vars) run.secrets.addNamed(t.vars);
      steps[host] = tasks.map((t) => ({
        task: t.name,
        module: t.module,
        action: describeTask(t, vars),
        when: t.when === undefined ? undefined : [t.when].flat().join(' and '),
        loc: `${t.loc.file}:${t.loc.line}`,
        rollback: t.rollback.map((r) => describe(r, vars)),
      }));
    }
    const first = hosts[0] ? runner.varsFor(hosts[0]) : {};
    out.push({
      play: play.name,
      hosts,
      batches: computeBatches(hosts, play.serial),
      preflight: play.preflight.map((t) => describe(t, first)),
      steps,
      handlers: play.handlers.map((h) => h.name),
      rollback: play.rollback.map((t) => describe(t, first)),
    });
  }
  // plan prints what it rendered: the same secrets stay out of it as out of a run's output
  for (const v of opts.vault?.revealed ?? []) run.secrets.add(v);
  return run.secrets.redact(out);
}

export function planText(plays: PlannedPlay[]): string {
  const lines: string[] = [];
  for (const p of plays) {
    lines.push(`PLAY [${p.play}] on ${p.hosts.length} host(s)`);
    lines.push(`  batches: ${p.batches.map((b) => `[${b.join(', ')}]`).join(' then ')}`);
    if (p.preflight.length) {
      lines.push('  preflight (read-only, every host):');
      for (const c of p.preflight) lines.push(`    - ${c.task}: ${c.action}`);
    }
    for (const [host, steps] of Object.entries(p.steps)) {
      lines.push(`  ${host}:`);
      steps.forEach((s, i) => {
        lines.push(`    ${String(i + 1).padStart(2)}. ${s.task}: ${s.action}${s.when ? `   [when ${s.when}]` : ''}`);
        for (const r of s.rollback) lines.push(`          undo: ${r.task}: ${r.action}`);
      });
    }
    if (p.handlers.length) lines.push(`  handlers: ${p.handlers.join(', ')}`);
    if (p.rollback.length) {
      lines.push('  on failure, after undoing completed steps:');
      for (const r of p.rollback) lines.push(`    - ${r.task}: ${r.action}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
