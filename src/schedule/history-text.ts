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
import { readableTime } from './lock.js';

/**
 * One row per run, fitted to `width` columns (160 unless told): the playbook and inventory
 * are shown by their last path parts, and cut with … (from the left) when the row is still too long.
 */
export function runsTable(runs: readonly RunRecord[], width = 160): string {
  const rows = [
    ['STARTED', 'RUN ID', 'PLAYBOOK', 'INVENTORY', 'RESULT', 'DURATION', 'BY', 'JOB'],
    ...runs.map((r) => [
      r.startedAt ? readableTime(r.startedAt) : '?',
      r.runId,
      shortPath(r.playbook ?? '?', 2),
      r.inventory.map((i) => shortPath(i, 2)).join(',') || '?',
      `${r.status}${r.check ? ' (check)' : ''}${r.exitCode ? ` exit ${r.exitCode}` : ''}`,
      r.durationMs !== undefined ? formatDuration(r.durationMs) : '-',
      r.user ? `${r.user}@${r.controller ?? '?'}` : '-',
      r.job ?? '-',
    ]),
  ];
  // the playbook and inventory columns give way, longest first, until a row fits
  const cols = [2, 3];
  const widthOf = () => rows[0]!.map((_, i) => Math.max(...rows.map((x) => x[i]!.length))).reduce((a, b) => a + b, 0) + 2 * (rows[0]!.length - 1);
  for (let over = widthOf() - width; over > 0; over = widthOf() - width) {
    const col = cols.map((c) => [c, Math.max(...rows.slice(1).map((x) => x[c]!.length))] as const).sort((a, b) => b[1] - a[1])[0]!;
    const to = Math.max(12, col[1] - over);
    if (to >= col[1]) break;
    for (const x of rows.slice(1)) if (x[col[0]]!.length > to) x[col[0]] = `…${x[col[0]]!.slice(-(to - 1))}`;
  }
  return table(rows);
}

/** the last `parts` parts of a path: `/srv/ops/playbooks/etcd-backup.yaml` -> `playbooks/etcd-backup.yaml` */
function shortPath(p: string, parts: number): string {
  const segs = p.split('/').filter(Boolean);
  return segs.length > parts ? segs.slice(-parts).join('/') : p;
}

export function runHeader(r: RunRecord): string {
  return [
    `run       ${r.runId}${r.job ? ` (job ${r.job})` : ''}`,
    `playbook  ${r.playbook ?? '?'}`,
    `inventory ${r.inventory.join(', ') || '?'}`,
    `started   ${r.startedAt ? readableTime(r.startedAt) : '?'}${r.user ? ` by ${r.user}@${r.controller ?? '?'}` : ''}`,
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
