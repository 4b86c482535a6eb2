/**
 * From the members' measurements to the report: every check's findings, most severe first, the
 * overall status and exit code, and a one-line summary (for a healthy cluster, the numbers that
 * show it is healthy).
 */
import { certFindings } from './cert-checks.js';
import { clockFindings } from './clock-checks.js';
import { diskFindings, slowDiskHosts } from './disk-checks.js';
import { etcdFindings } from './etcd-checks.js';
import { kubeFindings } from './kube-checks.js';
import { logFindings } from './log-checks.js';
import { metricsFindings } from './metrics-checks.js';
import { timingFindings, maxPeerRtt } from './timing-checks.js';
import { THRESHOLDS } from './thresholds.js';
import type { ClusterView, DiagnoseReport, Finding, MemberReport, Severity } from './types.js';

const ORDER: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** exit codes: 0 healthy (info findings allowed), 1 warnings, 2 critical; 3 when diagnose itself could not run */
export const EXIT = { healthy: 0, warnings: 1, critical: 2, failed: 3 } as const;

export function allFindings(members: readonly MemberReport[], cluster: ClusterView, inventory: readonly string[]): Finding[] {
  const rc = { inventory };
  const slow = slowDiskHosts(members);
  const findings = [
    ...etcdFindings(members, cluster, rc),
    ...diskFindings(members),
    ...timingFindings(members, rc, slow),
    ...metricsFindings(members, slow),
    ...certFindings(members),
    ...clockFindings(members),
    ...logFindings(members),
    ...kubeFindings(members, rc),
  ];
  return findings.sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
}

export function buildReport(input: {
  startedAt: Date;
  windowMs: number;
  durationMs: number;
  inventory: string[];
  members: MemberReport[];
  cluster: ClusterView;
}): DiagnoseReport {
  const findings = allFindings(input.members, input.cluster, input.inventory);
  const status = findings.some((f) => f.severity === 'critical') ? 'critical' : findings.some((f) => f.severity === 'warning') ? 'warnings' : 'healthy';
  return {
    schemaVersion: 1,
    startedAt: input.startedAt.toISOString(),
    windowMs: input.windowMs,
    durationMs: input.durationMs,
    inventory: input.inventory,
    status,
    exitCode: EXIT[status],
    summary: summaryOf(status, findings, input.members, input.cluster),
    cluster: input.cluster,
    members: input.members,
    findings,
  };
}

function summaryOf(status: DiagnoseReport['status'], findings: readonly Finding[], members: readonly MemberReport[], cluster: ClusterView): string {
  if (status !== 'healthy') {
    const n = (s: Severity) => findings.filter((f) => f.severity === s).length;
    return `${status}: ${n('critical')} critical, ${n('warning')} warning(s) on ${members.length} member(s); first: ${findings[0]!.title}`;
  }
  const leader = cluster.members.find((m) => m.id === cluster.leaderId);
  const fsync = members
    .filter((m) => (m.metrics?.walFsync?.count ?? 0) >= THRESHOLDS.minObservations)
    .map((m) => m.metrics?.walFsyncP99Ms)
    .filter((x): x is number => typeof x === 'number');
  const rtt = maxPeerRtt(members);
  const db = members.map((m) => m.status.second?.dbSize ?? 0);
  const certDays = members.flatMap((m) => m.certs.map((c) => c.daysLeft)).filter((x): x is number => x !== null);
  const parts = [
    `healthy: ${members.length} member(s) in cluster ${cluster.clusterId ?? '?'}`,
    `leader ${leader?.name || leader?.host || cluster.leaderId || '?'}`,
    `no leader change in the window`,
    fsync.length ? `wal_fsync p99 <= ${Math.max(...fsync)} ms` : 'too few fsyncs in the window to judge the disk',
    rtt ? `peer RTT <= ${rtt.rttMs} ms` : null,
    `db ${(Math.max(...db) / 1024 ** 2).toFixed(1)} MiB`,
    certDays.length ? `certificates >= ${Math.floor(Math.min(...certDays))} days` : null,
  ];
  return parts.filter(Boolean).join(', ');
}
