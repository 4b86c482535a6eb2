import { NotConfirmedError } from '../errors.js';
import type { Phase } from '../events/types.js';
import type { Task } from '../playbook/types.js';
import type { PlayScope, RunContext } from './context.js';
import { computeBatches } from './batches.js';
import { displayName } from './describe-task.js';
import { mapLimit } from './limit.js';
import { conditionMayHold, selectedByTags } from './task-filter.js';
import { SKIPPED_AT_STEP, stepQuestion } from './step-question.js';
import { TaskRunner, type TaskOutcome } from './task-runner.js';
import type { UndoStack } from './undo-stack.js';

export interface PlayExecution {
  scope: PlayScope;
  /** hosts on which at least one task started: the play's rollback runs there */
  touched: Set<string>;
  failed: boolean;
  /** why the play stopped */
  reason?: string;
}

/** A monotonically increasing task sequence for the whole run, so undo order spans plays. */
export class Sequence {
  private n = 0;
  next(): number {
    return ++this.n;
  }
}

/**
 * Runs one play: rolling batches (`serial`), each task on all active hosts of the batch in
 * parallel up to `forks`, the next task when all are done; handlers at the end of each batch.
 * The first failure (beyond max_fail_percentage) stops the play after the running task finishes
 * on the other hosts; undoing is the caller's job (rollback.ts) because it spans plays.
 */
export class PlayRunner {
  private readonly runner: TaskRunner;

  constructor(
    private readonly run: RunContext,
    private readonly scope: PlayScope,
    private readonly undo: UndoStack,
    private readonly seq: Sequence,
  ) {
    this.runner = new TaskRunner(run, scope);
  }

  async execute(): Promise<PlayExecution> {
    const { play } = this.scope;
    const exec: PlayExecution = { scope: this.scope, touched: new Set(), failed: false };
    const tasks = play.tasks.filter((t) => selectedByTags(t, play.tags, this.run.options));
    const batches = computeBatches(this.scope.hosts, play.serial);
    for (const [b, batch] of batches.entries()) {
      this.run.bus.emit({ type: 'batch:start', play: play.name, batch: b + 1, batches: batches.length, hosts: batch });
      const stop = await this.runBatch(batch, tasks, exec);
      if (stop) return exec;
    }
    return exec;
  }

  /** returns true when the play must stop */
  private async runBatch(batch: string[], tasks: Task[], exec: PlayExecution): Promise<boolean> {
    const { play } = this.scope;
    let active = [...batch];
    const notified = new Map<string, Set<string>>(); // handler name -> hosts
    for (const [i, task] of tasks.entries()) {
      if (this.run.signal.aborted) return this.stop(exec, 'interrupted');
      if (!(await this.mayRun(task, active))) {
        this.skippedByOperator(task, i, active);
        continue;
      }
      const outcomes = await this.runTask(task, i, active, 'task', exec);
      for (const o of outcomes) {
        if (o.status === 'changed') {
          for (const h of task.notify) notified.set(h, (notified.get(h) ?? new Set()).add(o.host));
        }
      }
      const failed = outcomes.filter((o) => o.status === 'failed').map((o) => o.host);
      if (failed.length) {
        active = active.filter((h) => !failed.includes(h));
        const pct = (100 * (batch.length - active.length)) / batch.length;
        const limit = play.max_fail_percentage ?? 0;
        if (active.length === 0 || pct > limit) {
          return this.stop(exec, this.failedOn(task, failed));
        }
      }
      if (this.run.signal.aborted) return this.stop(exec, 'interrupted');
    }
    await this.runHandlers(notified, active, exec);
    return exec.failed;
  }

  private async runHandlers(notified: Map<string, Set<string>>, active: string[], exec: PlayExecution): Promise<void> {
    for (const [i, handler] of this.scope.play.handlers.entries()) {
      const hosts = active.filter((h) => notified.get(handler.name)?.has(h));
      if (!hosts.length) continue;
      const outcomes = await this.runTask(handler, i, hosts, 'handler', exec);
      const failed = outcomes.filter((o) => o.status === 'failed').map((o) => o.host);
      if (failed.length) {
        this.stop(exec, `handler "${handler.name}" failed on ${failed.join(', ')}`);
        return;
      }
    }
  }

  private async runTask(task: Task, index: number, hosts: string[], phase: Phase, exec: PlayExecution): Promise<TaskOutcome[]> {
    const started = Date.now();
    const { bus, options } = this.run;
    const seq = this.seq.next();
    const targets = task.run_once ? hosts.slice(0, 1) : hosts;
    const title = targets[0] ? displayName(task, this.runner.varsFor(targets[0], task)) : task.name;
    bus.emit({ type: 'task:start', phase, task: title, taskIndex: index, hosts: targets, loc: `${task.loc.file}:${task.loc.line}` });
    // the task's place in the play as written (`index` counts only the tasks the tags selected)
    const written = (phase === 'handler' ? this.scope.play.handlers : this.scope.play.tasks).indexOf(task);
    // what a no_log task registers or sets is kept out of the journal, as out of the events
    const hiddenFacts = task.no_log ? [task.register, ...(task.module === 'set_fact' ? Object.keys(task.args) : [])].filter((n): n is string => Boolean(n)) : [];
    const outcomes = await mapLimit(targets, options.forks, async (host) => {
      exec.touched.add(host);
      // on disk before the step starts: a controller that dies now leaves enough to undo the run
      this.run.journal?.stepStarting({ seq, playIndex: this.scope.playIndex, phase: phase === 'handler' ? 'handler' : 'task', index: written, host }, hiddenFacts);
      const o = await this.runner.runOnHost(task, host, phase, index);
      const undoable = (o.status === 'ok' || o.status === 'changed') && task.rollback.length > 0 && !options.check;
      if (undoable) this.undo.push({ task, seq, host, scope: this.scope });
      this.run.journal?.stepDone({ seq, host, status: o.status, undo: undoable });
      return o;
    });
    if (task.run_once && targets[0]) this.runner.shareRunOnce(task, targets[0], hosts.slice(1));
    bus.emit({
      type: 'task:end',
      phase,
      task: title,
      taskIndex: index,
      durationMs: Date.now() - started,
      failedHosts: outcomes.filter((o) => o.status === 'failed').map((o) => o.host),
    });
    return outcomes;
  }

  /** `confirm:` on the task, or --step */
  private async mayRun(task: Task, hosts: string[]): Promise<boolean> {
    const { options, prompter, bus } = this.run;
    if (task.confirm && !options.check) {
      if (options.yes) {
        bus.emit({ type: 'confirm', message: task.confirm, answer: 'auto' });
      } else {
        const ok = await prompter.confirm(`${task.confirm}\nRun "${task.name}"?`);
        bus.emit({ type: 'confirm', message: task.confirm, answer: ok ? 'yes' : 'no' });
        if (!ok) throw new NotConfirmedError(`"${task.name}" was not confirmed; stopping`);
      }
    }
    if (options.step && !this.run.stepAll) {
      // a task whose condition is already known false everywhere skips itself: nothing to ask
      const on = task.run_once ? hosts.slice(0, 1) : hosts.filter((h) => conditionMayHold(task, this.runner.varsFor(h, task)));
      if (!on.length) return true;
      const answer = await prompter.step(stepQuestion(task, on, (h) => displayName(task, this.runner.varsFor(h, task))));
      if (answer === 'no') return false;
      if (answer === 'continue') this.run.stepAll = true;
    }
    return true;
  }

  /**
   * A task the operator declined at --step is told like any skipped task (a row per host in the
   * live view, a count in the recap), with the reason, so the end of the run says what was left out.
   */
  private skippedByOperator(task: Task, index: number, hosts: string[]): void {
    const { bus } = this.run;
    const targets = task.run_once ? hosts.slice(0, 1) : hosts;
    const title = targets[0] ? displayName(task, this.runner.varsFor(targets[0], task)) : task.name;
    bus.emit({ type: 'task:start', phase: 'task', task: title, taskIndex: index, hosts: targets, loc: `${task.loc.file}:${task.loc.line}` });
    for (const host of targets) {
      const name = displayName(task, this.runner.varsFor(host, task));
      bus.emit({ type: 'host:end', phase: 'task', task: name, taskIndex: index, host, status: 'skipped', durationMs: 0, msg: SKIPPED_AT_STEP });
    }
    bus.emit({ type: 'task:end', phase: 'task', task: title, taskIndex: index, durationMs: 0, failedHosts: [] });
  }

  /** `task "Defragment node2" failed on node2`: the name as each failed host reads it */
  private failedOn(task: Task, failed: string[]): string {
    const names = [...new Set(failed.map((h) => displayName(task, this.runner.varsFor(h, task))))];
    if (names.length === 1) return `task "${names[0]}" failed on ${failed.join(', ')}`;
    return `task ${failed.map((h) => `"${displayName(task, this.runner.varsFor(h, task))}" failed on ${h}`).join(', ')}`;
  }

  private stop(exec: PlayExecution, reason: string): true {
    exec.failed = true;
    exec.reason ??= reason;
    return true;
  }
}
