/**
 * `apply`'s side of unfinished runs (unfinished-runs.ts): before anything is touched, refuse a
 * cluster a killed run left half-changed, naming the run and `runbook rollback RUN_ID`; while
 * the run executes, keep its own markers.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { RunbookError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { Inventory } from '../inventory/types.js';
import type { Playbook } from '../playbook/types.js';
import { operatorName } from '../util/operator.js';
import { describeHalfDone } from './half-done.js';
import { hostLockName, targetAddresses } from './run-lock.js';
import { clearUnfinished, defaultStateDir, findUnfinished, markUnfinished, recordIgnored, type UnfinishedMarker } from './unfinished-runs.js';

/** exit 7: its own code, so that automation can tell "finish or undo the dead run first" from an unreachable host (4) */
export class UnfinishedRunError extends RunbookError {
  readonly exitCode = 7;
}

export interface GuardInputs {
  playbook: Playbook;
  inventory: Inventory;
  extraVars?: Record<string, unknown>;
}

/** the host keys of a run's targets: the names of their lock files */
export function targetKeys(inputs: GuardInputs): string[] {
  return [...new Set(targetAddresses(inputs, inputs.playbook.plays.map((p) => p.hosts)).map(hostLockName))].sort();
}

export function unfinishedText(m: UnfinishedMarker): string {
  const half = describeHalfDone(m.runDir);
  return `run ${m.runId} (${m.playbook}, by ${m.user}@${m.controller}, started ${m.since}, on ${m.hosts.join(', ')}) never finished: its controller stopped mid-run${half ? `. ${half}` : ''}`;
}

/**
 * Refuse (UnfinishedRunError) when a killed run left any of these hosts; with `ignoreReason`,
 * go on, say so, and note the reason in the killed run's record.
 */
export function guardUnfinished(inputs: GuardInputs, opts: { stateDir?: string; ignoreReason?: string }, bus: EventBus): void {
  const stateDir = opts.stateDir ?? defaultStateDir();
  const found = findUnfinished(stateDir, targetKeys(inputs));
  if (!found.length) return;
  if (opts.ignoreReason === undefined) {
    const first = found[0]!;
    throw new UnfinishedRunError(
      `this cluster has ${found.length === 1 ? 'an unfinished run' : `${found.length} unfinished runs`}; nothing was changed:\n${found.map((m) => `  ${unfinishedText(m)}`).join('\n')}`,
      `undo it first: runbook rollback ${first.runId} (it shows what it will undo and asks); or, once the hosts are known to be right, run again with --ignore-unfinished "REASON"`,
    );
  }
  for (const m of found) {
    bus.emit({ type: 'warning', message: `going on despite ${unfinishedText(m)} (--ignore-unfinished: ${opts.ignoreReason})` });
    recordIgnored(m.runDir, { reason: opts.ignoreReason, by: `${operatorName()}@${hostname()}`, at: new Date().toISOString() });
    clearUnfinished(stateDir, m.runId);
  }
}

/**
 * Markers for this run from its first play:start (after the confirmation, before the first
 * step) to its end. Returns what removes them; a controller killed before that leaves them.
 */
export function keepMarkers(inputs: GuardInputs, bus: EventBus, opts: { stateDir?: string; check: boolean }): () => void {
  if (opts.check) return () => undefined;
  const stateDir = opts.stateDir ?? defaultStateDir();
  const keys = targetKeys(inputs);
  let runId: string | undefined;
  let runDir = '';
  let hosts: string[] = [];
  let marked = false;
  const off = bus.on((e) => {
    if (e.type === 'run:start') {
      runId = e.runId;
      runDir = resolve(e.runDir);
      hosts = e.hosts;
    } else if (e.type === 'play:start' && !marked && runId) {
      marked = true;
      markUnfinished(stateDir, keys, { runId, runDir, playbook: inputs.playbook.file, user: operatorName(), controller: hostname(), pid: process.pid, since: new Date().toISOString(), hosts });
    }
  });
  return () => {
    off();
    if (marked && runId) clearUnfinished(stateDir, runId);
  };
}
