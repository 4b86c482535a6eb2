import type { EventOf } from '../events/types.js';
import { painter, wrapWords, type Tone } from './paint.js';

export interface RecapLayout {
  /** colours (the terminal view, unless NO_COLOR) */
  color?: boolean;
  /** the terminal's columns: long lines wrap between words, under their own indent */
  width?: number;
}

/** The end-of-run table, Ansible's PLAY RECAP with a state column that says what each host is left with. */
export function recapText(e: EventOf<'run:end'>, layout: RecapLayout = {}): string {
  const paint = painter(layout.color ?? false);
  const hosts = Object.entries(e.recap);
  const width = Math.max(4, ...hosts.map(([h]) => h.length));
  const out: string[] = ['', 'RECAP'];
  /** a row wrapped to the terminal; `hang`: the indent of its continuation rows */
  const push = (line: string, hang: number, tone?: Tone, paintFirst?: string) => {
    const rows = wrapWords(line, layout.width, hang);
    if (tone && paintFirst) rows[0] = rows[0]!.replace(paintFirst, paint(tone, paintFirst));
    out.push(...rows);
  };
  const under = `  ${' '.repeat(width)}  `;
  for (const [host, r] of hosts) {
    const counts = [
      `ok=${r.ok}`,
      `changed=${r.changed}`,
      `failed=${r.failed}`,
      `skipped=${r.skipped}`,
      r.ignored ? `ignored=${r.ignored}` : '',
      `rolled_back=${r.rolled_back}`,
      r.rollback_failed ? `rollback_failed=${r.rollback_failed}` : '',
      r.unreachable ? 'unreachable' : '',
    ]
      .filter(Boolean)
      .join(' ');
    const bad = r.failed || r.rollback_failed || r.unreachable;
    push(`  ${host.padEnd(width)}  ${counts}`, under.length, bad ? 'failed' : r.changed ? 'changed' : 'ok', host);
    push(`${under}-> ${r.state}`, under.length + 3);
    for (const t of r.skipped_at_step ?? []) push(`${under}skipped at --step: ${t}`, under.length + 2);
    if (r.failure) {
      const why = r.failure.split('\n');
      const shown = why.length > 16 ? [...why.slice(0, 15), `... (${why.length - 15} more lines in the run's events)`] : why;
      for (const [i, l] of shown.entries()) push(`${under}${i === 0 ? 'why: ' : '     '}${l}`, under.length + 5);
    }
  }
  const verdict: Record<typeof e.status, string> = {
    ok: 'run succeeded',
    failed: 'run FAILED',
    rolled_back: 'run FAILED and was rolled back',
    rollback_failed: 'run FAILED and ROLLBACK WAS INCOMPLETE: check the hosts marked above',
    refused: 'run refused: nothing was changed',
    interrupted: 'run INTERRUPTED and rolled back',
  };
  out.push('');
  const v = verdict[e.status];
  push(`${v} (exit ${e.exitCode}, ${(e.durationMs / 1000).toFixed(1)}s)`, 2, e.exitCode === 0 ? 'ok' : 'failed', v);
  if (e.message) for (const l of e.message.split('\n')) push(l, 2);
  return out.join('\n');
}
