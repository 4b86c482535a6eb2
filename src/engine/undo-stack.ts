import type { Task } from '../playbook/types.js';
import type { PlayScope } from './context.js';

/** A completed task whose rollback steps must run if the play fails later. */
export interface UndoEntry {
  /** the task that was done */
  task: Task;
  /** its position in the run, so that undo across hosts goes newest task first */
  seq: number;
  host: string;
  /** the play the task belongs to: rollback steps see that play's variables */
  scope: PlayScope;
}

/**
 * The saga log: every host's completed steps that know how to undo themselves.
 * Rollback pops them newest first. Kept per run, across batches and plays.
 */
export class UndoStack {
  private entries: UndoEntry[] = [];

  push(entry: UndoEntry): void {
    this.entries.push(entry);
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * Entries grouped by the task they undo, newest task first, so that one task's undo runs on
   * every host (in parallel) before the undo of the task before it: a cluster is put back in the
   * same lockstep it was changed in.
   */
  drainNewestFirst(): UndoEntry[][] {
    const bySeq = new Map<number, UndoEntry[]>();
    for (const e of this.entries) {
      const list = bySeq.get(e.seq) ?? [];
      list.push(e);
      bySeq.set(e.seq, list);
    }
    this.entries = [];
    return [...bySeq.keys()].sort((a, b) => b - a).map((k) => bySeq.get(k)!);
  }
}
