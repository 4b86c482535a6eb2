/**
 * `runbook rollback RUN_ID`: the undo of a run whose controller died, from its journal
 * (engine/journal.ts). The run's completed steps go back on an undo stack and its facts back
 * into a run context, and the same `rollback()` an in-process failure calls runs them,
 * newest first, so the hosts are put back exactly as they would have been.
 *
 * A step that was running when the controller died has an unknown result: it is undone when
 * its task says its undo is safe to run twice (`rollback_idempotent: true`); a step that only
 * reads needs nothing; any other is reported with what to check by hand.
 */
import { getModule } from '../modules/registry.js';
import type { EventOf } from '../events/types.js';
import type { Vars } from '../inventory/types.js';
import type { Task } from '../playbook/types.js';
import type { PlayScope, RunContext } from './context.js';
import { describeTask, displayName } from './describe-task.js';
import { isJournalRecord, type JournalRecord, type JournalStart, type JournalStep } from './journal.js';
import type { PlayExecution } from './play-runner.js';
import { rollback, type RollbackReport } from './rollback.js';
import { TaskRunner } from './task-runner.js';
import { UndoStack } from './undo-stack.js';

/** what a run's events.jsonl says about where it stopped */
export interface JournalReading {
  start?: JournalStart;
  runStart?: EventOf<'run:start'>;
  /** run:end was written: the run finished (its own rollback, if any, ran) */
  end?: EventOf<'run:end'>;
  facts: Map<string, Vars>;
  /** per host, facts that held a secret and were not recorded */
  withheldFacts: Map<string, string[]>;
  steps: JournalStep[];
  /** `seq\0host` of steps that ended, with whether they are on the undo stack */
  done: Map<string, { undo: boolean }>;
  /** `seq\0host` whose undo started */
  undoing: Set<string>;
  /** `seq\0host` whose undo ran to its end */
  undone: Set<string>;
}

const key = (seq: number, host: string) => `${seq}\0${host}`;

export function readJournal(lines: readonly unknown[]): JournalReading {
  const r: JournalReading = { facts: new Map(), withheldFacts: new Map(), steps: [], done: new Map(), undoing: new Set(), undone: new Set() };
  for (const raw of lines) {
    if (!raw || typeof raw !== 'object') continue;
    const v = raw as { type?: unknown };
    if (isJournalRecord(v)) apply(r, v);
    else if (v.type === 'run:start') r.runStart ??= raw as EventOf<'run:start'>;
    else if (v.type === 'run:end') r.end = raw as EventOf<'run:end'>;
  }
  return r;
}

function apply(r: JournalReading, rec: JournalRecord): void {
  switch (rec.type) {
    case 'journal:start':
      r.start ??= rec;
      return;
    case 'journal:facts': {
      r.facts.set(rec.host, { ...(r.facts.get(rec.host) ?? {}), ...rec.set });
      const withheld = new Set(r.withheldFacts.get(rec.host) ?? []);
      for (const k of Object.keys(rec.set)) withheld.delete(k);
      for (const k of rec.withheld) {
        withheld.add(k);
        // an older value of a fact that now holds a secret is not the value the run had
        const f = r.facts.get(rec.host);
        if (f) delete f[k];
      }
      r.withheldFacts.set(rec.host, [...withheld]);
      return;
    }
    case 'journal:step':
      r.steps.push(rec);
      return;
    case 'journal:done':
      r.done.set(key(rec.seq, rec.host), { undo: rec.undo });
      return;
    case 'journal:undoing':
      r.undoing.add(key(rec.seq, rec.host));
      return;
    case 'journal:undone':
      r.undone.add(key(rec.seq, rec.host));
      return;
  }
}

/** a step whose end is not in the journal: what `runbook rollback` does about it */
export interface UnfinishedStep {
  host: string;
  task: string;
  seq: number;
  /** undo: its undo runs; nothing: it only reads; by-hand: reported */
  verdict: 'undo' | 'nothing' | 'by-hand';
  /** for by-hand: what to look at */
  check?: string;
  /** its undo had started but not finished (an in-process rollback was cut off) */
  undoCut?: boolean;
}

export interface OrphanPlan {
  executed: PlayExecution[];
  undo: UndoStack;
  /** what will be undone, per host, newest first: for the confirmation */
  lines: string[];
  unfinished: UnfinishedStep[];
  /** completed steps on the undo stack whose undo already ran */
  alreadyUndone: number;
}

/**
 * The undo stack and executed plays as the run had them when it died. `scopes` are the plays
 * resolved again from the same playbook, inventory, variables and --limit.
 */
export function planOrphanRollback(reading: JournalReading, scopes: PlayScope[], run: RunContext): OrphanPlan {
  const byPlay = new Map(scopes.map((s) => [s.playIndex, s]));
  const executed = new Map<number, PlayExecution>();
  const undo = new UndoStack();
  const unfinished: UnfinishedStep[] = [];
  const lines: { seq: number; text: string }[] = [];
  let alreadyUndone = 0;
  for (const step of reading.steps) {
    const scope = byPlay.get(step.playIndex);
    if (!scope) throw new Error(`the journal names play ${step.playIndex + 1}, which the playbook no longer resolves to any host`);
    const task = (step.phase === 'handler' ? scope.play.handlers : scope.play.tasks)[step.index];
    if (!task) throw new Error(`the journal names ${step.phase} ${step.index + 1} of play "${scope.play.name}", which the playbook does not have`);
    const exec = executed.get(step.playIndex) ?? { scope, touched: new Set<string>(), failed: true, reason: 'the controller died' };
    executed.set(step.playIndex, exec);
    exec.touched.add(step.host);
    const runner = new TaskRunner(run, scope);
    const name = safeName(task, () => runner.varsFor(step.host, task));
    const k = key(step.seq, step.host);
    const done = reading.done.get(k);
    const undoneAlready = reading.undone.has(k);
    if (done && !done.undo) continue;
    if (done && undoneAlready) {
      alreadyUndone++;
      continue;
    }
    const started = reading.undoing.has(k);
    if (done && !started) {
      undo.push({ task, seq: step.seq, host: step.host, scope });
      lines.push({ seq: step.seq, text: `${step.host}: undo "${name}": ${task.rollback.map((r) => r.name).join(', ')}` });
      continue;
    }
    // the step, or its undo, was cut off by the controller's death: its result is not known
    const item: UnfinishedStep = { host: step.host, task: name, seq: step.seq, verdict: 'by-hand', undoCut: Boolean(done) };
    if (task.rollback.length && task.rollback_idempotent) {
      item.verdict = 'undo';
      undo.push({ task, seq: step.seq, host: step.host, scope });
      lines.push({ seq: step.seq, text: `${step.host}: undo "${name}" (it was ${done ? 'being undone' : 'running'} when the controller died; its undo is safe to run twice): ${task.rollback.map((r) => r.name).join(', ')}` });
    } else if (!done && !task.rollback.length && getModule(task.module)?.readOnly) {
      item.verdict = 'nothing';
    } else {
      item.check = whatToCheck(task, step.host, runner, Boolean(done));
    }
    unfinished.push(item);
  }
  return {
    executed: [...executed.values()].sort((a, b) => a.scope.playIndex - b.scope.playIndex),
    undo,
    lines: lines.sort((a, b) => b.seq - a.seq).map((l) => l.text),
    unfinished,
    alreadyUndone,
  };
}

function safeName(task: Task, vars: () => Vars): string {
  try {
    return displayName(task, vars());
  } catch {
    return task.name;
  }
}

function whatToCheck(task: Task, host: string, runner: TaskRunner, undoCut: boolean): string {
  let does: string;
  try {
    does = describeTask(task, runner.varsFor(host, task));
  } catch {
    does = describeTask(task);
  }
  const undo = task.rollback.length ? `; its undo would be: ${task.rollback.map((r) => r.name).join(', ')}` : '';
  const why = undoCut
    ? 'its undo was cut off half-way and is not marked safe to run twice'
    : task.rollback.length
      ? 'it may have changed the host half-way, and its undo is not marked safe to run twice (rollback_idempotent)'
      : 'it may have changed the host half-way, and it has no undo';
  return `${why}. Check by hand what it does (${does})${undo}`;
}

export interface OrphanOutcome {
  report: RollbackReport;
  unfinished: UnfinishedStep[];
  ok: boolean;
}

/** Run the plan: the same rollback an in-process failure runs, then the steps left to a human. */
export async function runOrphanRollback(run: RunContext, plan: OrphanPlan, reason: string): Promise<OrphanOutcome> {
  const report = await rollback(run, plan.executed, plan.undo, reason);
  const byHand = plan.unfinished.filter((u) => u.verdict === 'by-hand');
  for (const u of byHand) {
    run.bus.emit({ type: 'warning', host: u.host, message: `"${u.task}" was running when the controller died: ${u.check ?? 'check it by hand'}` });
  }
  return { report, unfinished: plan.unfinished, ok: report.ok && byHand.length === 0 };
}

