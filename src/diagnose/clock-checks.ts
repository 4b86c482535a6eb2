/**
 * Clock offset between the hosts. Each host's clock is read (`date +%s%N`, three times, the
 * quickest round trip counts) and compared with the controller's clock at the middle of that
 * command's round trip; the offset between two hosts is the difference of their offsets (the
 * controller's own error cancels out). etcd's peer prober warns about a drift above 1 s.
 */
import { THRESHOLDS as T } from './thresholds.js';
import { manualAction } from './recommend.js';
import type { Finding, MemberReport } from './types.js';

export function offsetMs(hostNowMs: number, sentAtMs: number, receivedAtMs: number): number {
  return hostNowMs - (sentAtMs + receivedAtMs) / 2;
}

export function clockFindings(members: readonly MemberReport[]): Finding[] {
  const known = members.filter((m) => m.clockOffsetMs !== null);
  if (known.length < 2) return [];
  const sorted = [...known].sort((a, b) => a.clockOffsetMs! - b.clockOffsetMs!);
  const spread = sorted.at(-1)!.clockOffsetMs! - sorted[0]!.clockOffsetMs!;
  // only what the readings prove: the spread minus how uncertain the two readings are
  const slack = (sorted.at(-1)!.clockUncertaintyMs ?? 0) + (sorted[0]!.clockUncertaintyMs ?? 0);
  if (spread - slack <= T.clockOffsetWarnMs) return [];
  const mid = sorted[Math.floor(sorted.length / 2)]!.clockOffsetMs!;
  const off = known.filter((m) => Math.abs(m.clockOffsetMs! - mid) > T.clockOffsetWarnMs / 2);
  return [
    {
      id: 'clock.offset',
      severity: 'warning',
      title: `host clocks differ by ${Math.round(spread)} ms`,
      members: off.map((m) => m.host),
      evidence: Object.fromEntries(known.map((m) => [m.host, { offset_from_median_ms: Math.round(m.clockOffsetMs! - mid), uncertainty_ms: m.clockUncertaintyMs }])),
      probableCause: 'time synchronisation (chrony, ntpd, systemd-timesyncd) is not running or cannot reach its servers; leases and certificates depend on the clock',
      action: manualAction('fix time synchronisation on the hosts named (chronyc tracking / timedatectl)'),
    },
  ];
}
