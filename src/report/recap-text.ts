import type { EventOf } from '../events/types.js';

/** The end-of-run table, Ansible's PLAY RECAP with a state column that says what each host is left with. */
export function recapText(e: EventOf<'run:end'>, color = false): string {
  const paint = (code: number, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const hosts = Object.entries(e.recap);
  const width = Math.max(4, ...hosts.map(([h]) => h.length));
  const lines = ['', 'RECAP'];
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
    lines.push(`  ${paint(bad ? 31 : r.changed ? 33 : 32, host.padEnd(width))}  ${counts}`);
    lines.push(`  ${' '.repeat(width)}  -> ${r.state}`);
    for (const t of r.skipped_at_step ?? []) lines.push(`  ${' '.repeat(width)}  skipped at --step: ${t}`);
    if (r.failure) {
      const why = r.failure.split('\n');
      const shown = why.length > 16 ? [...why.slice(0, 15), `... (${why.length - 15} more lines in the run's events)`] : why;
      for (const [i, l] of shown.entries()) lines.push(`  ${' '.repeat(width)}  ${i === 0 ? 'why: ' : '     '}${l}`);
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
  lines.push('', `${paint(e.exitCode === 0 ? 32 : 31, verdict[e.status])} (exit ${e.exitCode}, ${(e.durationMs / 1000).toFixed(1)}s)`);
  if (e.message) lines.push(e.message);
  return lines.join('\n');
}
