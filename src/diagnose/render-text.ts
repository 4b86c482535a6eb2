/**
 * The report for a terminal: one table row per member with the numbers that matter most, then
 * each finding with its evidence, probable cause and action, then the summary line.
 */
import type { DiagnoseReport, MemberReport } from './types.js';

const dash = '-';
const num = (x: number | null | undefined, digits = 1): string => (x === null || x === undefined ? dash : String(Math.round(x * 10 ** digits) / 10 ** digits));
const mib = (b: number | null | undefined): string => (b === null || b === undefined ? dash : `${(b / 1024 ** 2).toFixed(1)}`);

export function memberRow(m: MemberReport, leaderId: string | null): Record<string, string> {
  const s = m.status.second ?? m.status.first;
  const rtts = [...Object.values(m.timing.peerConnectRttMs), ...Object.values(m.timing.peerHttpRttMs ?? {})];
  const certDays = m.certs.map((c) => c.daysLeft).filter((x): x is number => x !== null);
  const hits = m.logs.counts.reduce((a, c) => a + c.count, 0);
  return {
    host: m.host,
    etcd: !m.reachable.ssh ? 'no ssh' : s ? (s.memberId === leaderId ? 'leader' : 'up') : (m.service ?? 'down'),
    'db/quota MiB': s ? `${mib(s.dbSize)}/${mib(m.metrics?.quotaBytes ?? null)}` : dash,
    'fsync p99 ms': num(m.metrics?.walFsyncP99Ms),
    'commit p99 ms': num(m.metrics?.backendCommitP99Ms),
    'leader chg': m.metrics ? String(m.metrics.leaderChanges) : dash,
    'hb/elect ms': m.timing.heartbeatMs !== null ? `${m.timing.heartbeatMs}/${m.timing.electionMs}` : dash,
    'rtt ms': rtts.length ? num(Math.max(...rtts)) : dash,
    'free %': num(m.disk?.freePercent),
    'dd ms': num(m.disk?.probeSyncMs, 2),
    'iowait %': num(m.disk?.iowaitPercent),
    'clock ms': m.clockOffsetMs === null ? dash : String(m.clockOffsetMs),
    'cert days': certDays.length ? String(Math.floor(Math.min(...certDays))) : dash,
    'log hits': String(hits),
  };
}

function table(rows: Array<Record<string, string>>): string {
  if (rows.length === 0) return '';
  const cols = Object.keys(rows[0]!);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(width[i]!)).join('  ').trimEnd();
  return [line(cols), line(width.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => r[c] ?? '')))].join('\n');
}

export function renderText(r: DiagnoseReport): string {
  const out: string[] = [];
  out.push(`etcd diagnosis (${r.members.length} member(s), window ${r.windowMs / 1000}s, took ${(r.durationMs / 1000).toFixed(1)}s)`, '');
  out.push(table(r.members.map((m) => memberRow(m, r.cluster.leaderId))), '');
  for (const f of r.findings) {
    out.push(`${f.severity.toUpperCase()}  ${f.title}${f.members.length ? `  [${f.members.join(', ')}]` : ''}`);
    for (const [host, ev] of Object.entries(f.evidence)) {
      out.push(`  ${host}: ${Object.entries(ev).map(([k, v]) => `${k}=${v ?? dash}`).join(' ')}`);
    }
    out.push(`  cause:  ${f.probableCause}`);
    out.push(`  action: ${f.action.text}`);
    if (f.action.command) out.push(`          ${f.action.command}`);
    out.push('');
  }
  const errs = r.members.flatMap((m) => m.errors.map((e) => `${m.host}: ${e}`));
  if (errs.length) out.push('could not read:', ...errs.map((e) => `  ${e}`), '');
  out.push(r.summary);
  return out.join('\n') + '\n';
}
