/**
 * `runbook history` as text: a table of runs, and one run replayed from its events.jsonl in
 * the plain reporter's words, each line stamped with the time it happened.
 */
import type { RunEvent } from '../events/types.js';
import { plainFormat, type PlainOptions } from '../report/plain.js';
import { recapText } from '../report/recap-text.js';
import { formatDuration } from './duration.js';
import { halfDoneFromEvents } from './half-done.js';
import type { RunRecord } from './run-history.js';
import { table } from './schedule-list.js';

export function runsTable(runs: readonly RunRecord[]): string {
  return table([
    ['STARTED', 'RUN ID', 'PLAYBOOK', 'INVENTORY', 'RESULT', 'DURATION', 'BY', 'JOB'],
    ...runs.map((r) => [
      r.startedAt?.replace(/\.\d{3}Z$/, 'Z') ?? '?',
      r.runId,
      r.playbook ?? '?',
      r.inventory.join(',') || '?',
      `${r.status}${r.check ? ' (check)' : ''}${r.exitCode ? ` exit ${r.exitCode}` : ''}`,
      r.durationMs !== undefined ? formatDuration(r.durationMs) : '-',
      r.user ? `${r.user}@${r.controller ?? '?'}` : '-',
      r.job ?? '-',
    ]),
  ]);
}

export function runHeader(r: RunRecord): string {
  return [
    `run       ${r.runId}${r.job ? ` (job ${r.job})` : ''}`,
    `playbook  ${r.playbook ?? '?'}`,
    `inventory ${r.inventory.join(', ') || '?'}`,
    `started   ${r.startedAt ?? '?'}${r.user ? ` by ${r.user}@${r.controller ?? '?'}` : ''}`,
    `result    ${r.status}${r.exitCode !== undefined ? ` (exit ${r.exitCode})` : ''}${r.durationMs !== undefined ? ` after ${formatDuration(r.durationMs)}` : ''}`,
    `record    ${r.dir}`,
  ].join('\n');
}

/** the run's events as plain lines, `HH:MM:SS` first; the recap from summary.json when the run left no run:end */
export function eventsText(events: readonly RunEvent[], record: RunRecord, opts: Pick<PlainOptions, 'verbosity'>): string {
  const out: string[] = [];
  for (const e of events) {
    // the journal's records (engine/journal.ts) share the file and are not events
    const format = plainFormat[e.type] as ((e: RunEvent, o: PlainOptions) => string | null) | undefined;
    const line = format ? format(e, { verbosity: opts.verbosity }) : null;
    if (line === null) continue;
    const stamp = e.time ? e.time.slice(11, 19) : '        ';
    const [first, ...rest] = line.replace(/^\n+/, '').split('\n');
    out.push(`${stamp} ${first}`, ...rest.map((l) => (l ? `         ${l}` : '')));
  }
  const s = record.summary;
  if (!events.some((e) => e.type === 'run:end')) {
    out.push(s ? recapText({ type: 'run:end', status: s.status, exitCode: s.exitCode, durationMs: s.durationMs, recap: s.recap, message: s.message }) : unfinishedText(events, record.runId));
  }
  return out.join('\n');
}

/** a run with no end: where it left each host, and how to undo it if its controller died */
function unfinishedText(events: readonly RunEvent[], runId: string): string {
  const h = halfDoneFromEvents(events);
  const lines = ['', 'UNFINISHED: the run is still going, or its controller died before it finished.'];
  if (h.unfinished.length) lines.push('Started and never finished:', ...h.unfinished.map((x) => `  ${x}`));
  if (h.notUndone.length) lines.push('Changed and not rolled back:', ...h.notUndone.map((x) => `  ${x}`));
  if (h.unfinished.length || h.notUndone.length) lines.push(`If its controller died: runbook rollback ${runId} (it shows what it will undo and asks)`);
  else lines.push('It had changed nothing.');
  return lines.join('\n');
}
