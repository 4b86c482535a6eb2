/**
 * The seeds' log lines in each member's recent log, counted per pattern. The host sends back
 * only the matching lines (the last 2000 of the last 20000 lines of the log); a line with a
 * timestamp older than `--log-since` is not counted.
 */
import { LOG_PATTERNS } from './host-probe.js';
import { manualAction } from './recommend.js';
import type { Finding, LogCount, MemberReport } from './types.js';

const TS = /(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}:?\d{2})?/;

export function lineTime(line: string): number | null {
  const m = TS.exec(line);
  if (!m) return null;
  const t = Date.parse(`${m[1]}T${m[2]}${m[3] ?? 'Z'}`);
  return Number.isNaN(t) ? null : t;
}

export function countLogLines(lines: readonly string[], sinceMs: number): LogCount[] {
  return LOG_PATTERNS.map(({ pattern }) => {
    const matching = lines.filter((l) => l.includes(pattern) && (lineTime(l) ?? Infinity) >= sinceMs);
    const last = matching.at(-1);
    return { pattern, count: matching.length, last: last !== undefined ? last.slice(0, 300) : undefined };
  });
}

export function logFindings(members: readonly MemberReport[]): Finding[] {
  const hit = members.filter((m) => m.logs.counts.some((c) => c.count > 0));
  if (hit.length === 0) return [];
  const patterns = new Set(hit.flatMap((m) => m.logs.counts.filter((c) => c.count > 0).map((c) => c.pattern)));
  return [
    {
      id: 'log.patterns',
      severity: 'warning',
      title: `incident log lines in the last ${members[0]?.logs.sinceMinutes ?? 0} min: ${[...patterns].join('; ')}`,
      members: hit.map((m) => m.host),
      evidence: Object.fromEntries(hit.map((m) => [m.host, Object.fromEntries(m.logs.counts.filter((c) => c.count > 0).map((c) => [c.pattern, c.count]))])),
      probableCause: LOG_PATTERNS.filter((p) => patterns.has(p.pattern))
        .map((p) => `"${p.pattern}": ${p.means}`)
        .join('; '),
      action: manualAction('the other findings name the cause; these lines may also be from an incident that is over'),
    },
  ];
}
