/**
 * What a run that was killed (kill -9, power cut) left half-done, read from its own record
 * (`<run dir>/events.jsonl`): the tasks it started on a host and never finished, and the
 * changes it made that no rollback step undid. The run that takes over its stale lock says
 * this before it touches anything, so the operator puts those hosts right first.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunEvent } from '../events/types.js';

export interface HalfDone {
  /** the run wrote run:end: it finished, only its lock was left behind */
  finished: boolean;
  /** `host: task` started and never ended */
  unfinished: string[];
  /** `host: task` changed something, and no rollback step undid it */
  notUndone: string[];
}

export function halfDoneFromEvents(events: readonly RunEvent[]): HalfDone {
  const open = new Map<string, string>();
  const changed = new Map<string, string>();
  const undone: { host: string; matches: (task: string) => boolean }[] = [];
  let finished = false;
  for (const e of events) {
    if (e.type === 'host:start' && e.phase !== 'preflight') open.set(`${e.phase}\0${e.host}\0${e.taskIndex}`, `${e.host}: ${e.task}${e.phase === 'task' ? '' : ` (${e.phase})`}`);
    else if (e.type === 'host:end' && e.phase !== 'preflight') {
      open.delete(`${e.phase}\0${e.host}\0${e.taskIndex}`);
      if (e.phase === 'task' && e.status === 'changed') changed.set(`${e.host}\0${e.task}`, `${e.host}: ${e.task}`);
    } else if (e.type === 'rollback:step') undone.push({ host: e.host, matches: nameMatcher(e.undoes) });
    else if (e.type === 'run:end') finished = true;
  }
  return {
    finished,
    unfinished: [...open.values()],
    notUndone: [...changed].filter(([k]) => {
      const [host, task] = k.split('\0') as [string, string];
      return !undone.some((u) => u.host === host && u.matches(task));
    }).map(([, v]) => v),
  };
}

/** a rollback step names the task as written (`Stop {{ x }}`), a host's events as rendered */
function nameMatcher(written: string): (task: string) => boolean {
  if (!written.includes('{{')) return (task) => task === written;
  const re = new RegExp(`^${written.split(/\{\{.*?\}\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return (task) => re.test(task);
}

/** One paragraph for the warning, or undefined when the record cannot be read. */
export function describeHalfDone(runDir: string): string | undefined {
  let events: RunEvent[];
  try {
    events = readFileSync(join(runDir, 'events.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as RunEvent];
        } catch {
          return []; // the last line may be cut off by the kill
        }
      });
  } catch {
    return undefined;
  }
  const h = halfDoneFromEvents(events);
  if (h.finished) return 'that run had finished; only its lock was left';
  const parts: string[] = ['that run was stopped before it finished'];
  if (h.unfinished.length) parts.push(`started and never finished: ${h.unfinished.join('; ')}`);
  if (h.notUndone.length) parts.push(`changed and never rolled back: ${h.notUndone.join('; ')}`);
  if (!h.unfinished.length && !h.notUndone.length) parts.push('it had changed nothing yet');
  else parts.push(`check those hosts before going on (its record: ${join(runDir, 'events.jsonl')})`);
  return parts.join('. ');
}
