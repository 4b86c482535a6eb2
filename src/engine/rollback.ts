import type { Task } from '../playbook/types.js';
import type { RunContext } from './context.js';
import { displayName } from './describe-task.js';
import { mapLimit } from './limit.js';
import type { PlayExecution } from './play-runner.js';
import { TaskRunner } from './task-runner.js';
import type { UndoStack } from './undo-stack.js';

export interface RollbackReport {
  ok: boolean;
  /** per host, one sentence: what it is left with */
  hosts: Record<string, string>;
  /** a play-level step run once for the whole cluster (a wait for health) that failed */
  cluster?: string;
}

interface HostLedger {
  undone: number;
  failures: string[];
  /** steps a confirmed stop (Ctrl-C) kept from running */
  notRun: string[];
}

/**
 * The saga's compensation: for each executed play, newest first, the rollback steps of every
 * completed task (newest task first; one task's undo runs on all its hosts before the next
 * older one), then the play's own `rollback` on every host the play touched. A failing rollback
 * step does not stop the rest: every remaining step still runs, and the report says which host
 * is left in which state.
 */
export async function rollback(run: RunContext, plays: PlayExecution[], undo: UndoStack, reason: string): Promise<RollbackReport> {
  const ledger = new Map<string, HostLedger>();
  const note = (host: string): HostLedger => {
    const l = ledger.get(host) ?? { undone: 0, failures: [], notRun: [] };
    ledger.set(host, l);
    return l;
  };
  const groups = undo.drainNewestFirst();
  const steps =
    groups.reduce((n, g) => n + g.reduce((m, e) => m + e.task.rollback.length, 0), 0) +
    plays.reduce((n, p) => n + p.scope.play.rollback.length * p.touched.size, 0);
  const hosts = [...new Set(plays.flatMap((p) => [...p.touched]))];
  const plan = [...plays].reverse().flatMap((exec) => {
    const runner = new TaskRunner(run, exec.scope);
    return groups
      .filter((g) => g[0]!.scope === exec.scope)
      .flatMap((g) => g.map((e) => ({ host: e.host, undoes: e.task.name, task: displayName(e.task, runner.varsFor(e.host, e.task)), steps: e.task.rollback.map((r) => r.name) })));
  });
  run.bus.emit({ type: 'rollback:start', reason, hosts, steps, plan });
  const clusterFailures: string[] = [];
  // a confirmed stop (a third Ctrl-C) aborts the signal: the steps not yet started are left out
  const stopped = (targets: string[], step: string): boolean => {
    if (!run.signal.aborted) return false;
    for (const h of targets) note(h).notRun.push(step);
    return true;
  };

  for (const exec of [...plays].reverse()) {
    const runner = new TaskRunner(run, exec.scope);
    for (const group of groups.filter((g) => g[0]!.scope === exec.scope)) {
      // names as each host reads them, not their templates (`stop {{ inventory_hostname }}`)
      const task = group[0]!.task;
      const named = (t: typeof task, host: string) => displayName(t, runner.varsFor(host, t));
      const first = group[0]!.host;
      // one title for the whole group, as its first host reads it; each host's own reading is in
      // its rollback:step events
      const title = named(task, first);
      const failedOn = new Set<string>();
      let cut = false;
      if (task.rollback.length && !run.signal.aborted) for (const e of group) run.journal?.undoing({ seq: e.seq, host: e.host });
      for (const [i, step] of task.rollback.entries()) {
        if (stopped(targetsOf(step, group.map((e) => e.host)), named(step, first))) {
          cut = true;
          continue;
        }
        await phase(run, `${named(step, first)} (undo of "${short(title)}")`, i, targetsOf(step, group.map((e) => e.host)), async (host) => {
          const o = await runner.runOnHost(step, host, 'rollback', i);
          record(run, note(host), host, named(task, host), named(step, host), o.status, o.error, o.durationMs);
          if (o.status === 'failed') failedOn.add(host);
          return o.status === 'failed' ? host : undefined;
        });
      }
      // journaled, so that a `runbook rollback` after a controller died does not run it twice
      if (!cut) for (const e of group) run.journal?.undone({ seq: e.seq, host: e.host, ok: !failedOn.has(e.host) });
    }
    const touched = [...exec.touched];
    for (const [i, step] of exec.scope.play.rollback.entries()) {
      if (run.signal.aborted) {
        clusterFailures.push(`"${step.name}" not run (stopped by Ctrl-C)`);
        continue;
      }
      await phase(run, `${step.name} (the play's rollback)`, i, targetsOf(step, touched), async (host) => {
        const o = await runner.runOnHost(step, host, 'rollback', i);
        // a step run once stands for the whole cluster: its failure is not the first host's
        const l = step.run_once ? { undone: 0, failures: [], notRun: [] } : note(host);
        record(run, l, host, `play "${exec.scope.play.name}"`, step.name, o.status, o.error, o.durationMs);
        if (step.run_once) clusterFailures.push(...l.failures);
        return o.status === 'failed' ? host : undefined;
      });
    }
  }

  const report: RollbackReport = { ok: clusterFailures.length === 0, hosts: {} };
  if (clusterFailures.length) report.cluster = `ROLLBACK INCOMPLETE for the cluster: ${clusterFailures.join('; ')}`;
  for (const host of hosts) {
    const l = ledger.get(host);
    if (l?.notRun.length) {
      report.ok = false;
      report.hosts[host] = `ROLLBACK STOPPED by Ctrl-C before: ${l.notRun.join(', ')}${l.failures.length ? `; ${l.failures.join('; ')}` : ''}. Check this host by hand.`;
    } else if (!l || (l.undone === 0 && l.failures.length === 0)) {
      report.hosts[host] = 'no rollback steps applied (its completed tasks declare none)';
    } else if (l.failures.length) {
      report.ok = false;
      report.hosts[host] = `ROLLBACK INCOMPLETE: ${l.failures.join('; ')}. Check this host by hand.`;
    } else {
      report.hosts[host] = `rolled back: ${l.undone} step(s) undone`;
    }
  }
  run.bus.emit({ type: 'rollback:end', ok: report.ok, hosts: report.hosts, cluster: report.cluster });
  return report;
}

/** a run_once rollback step (wait for the cluster, say) runs on the first host only */
function targetsOf(step: Task, hosts: string[]): string[] {
  return step.run_once ? hosts.slice(0, 1) : hosts;
}

/** one rollback step on its hosts, framed by task events so every reporter shows it like a task */
async function phase(run: RunContext, title: string, index: number, hosts: string[], fn: (host: string) => Promise<string | undefined>): Promise<void> {
  const started = Date.now();
  run.bus.emit({ type: 'task:start', phase: 'rollback', task: title, taskIndex: index, hosts, loc: '' });
  const failed = await mapLimit(hosts, run.options.forks, fn);
  run.bus.emit({ type: 'task:end', phase: 'rollback', task: title, taskIndex: index, durationMs: Date.now() - started, failedHosts: failed.filter((h): h is string => Boolean(h)) });
}

function record(
  run: RunContext,
  l: HostLedger,
  host: string,
  undoes: string,
  step: string,
  status: string,
  error: string | undefined,
  durationMs: number,
): void {
  const failed = status === 'failed';
  if (failed) l.failures.push(`"${step}" (undoing "${undoes}") failed: ${error ?? 'unknown error'}`);
  else if (status !== 'skipped') l.undone++;
  run.bus.emit({
    type: 'rollback:step',
    host,
    undoes,
    step,
    status: failed ? 'failed' : status === 'changed' ? 'changed' : status === 'skipped' ? 'skipped' : 'ok',
    msg: error,
    durationMs,
  });
}

/** a task's name inside a rollback step's title: enough to recognise it */
function short(name: string, max = 40): string {
  return name.length > max ? `${name.slice(0, max - 1)}…` : name;
}
