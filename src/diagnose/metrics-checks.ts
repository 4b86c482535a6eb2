/**
 * From two scrapes of a member's /metrics, `--window` apart: the window's histograms and their
 * p99 (second scrape minus first, so a long healthy history does not hide a slow minute), the
 * counters' growth, and the gauges at the end. Then the findings that need only these numbers:
 * leader changes, heartbeat send failures, failed and pending proposals, slow applies.
 * (The fsync and commit latencies are judged with the disk, in disk-checks.ts.)
 */
import { histogram, histogramDelta, histogramQuantile, labelValues, total, type Sample } from './prometheus-text.js';
import type { Finding, MemberReport, MetricsSummary } from './types.js';
import { manualAction } from './recommend.js';

const ms = (s: number | null): number | null => (s === null ? null : Math.round(s * 1000 * 100) / 100);

function counterDelta(a: readonly Sample[], b: readonly Sample[], name: string): number {
  const x = total(a, name);
  const y = total(b, name);
  if (y === null) return 0;
  if (x === null || y < x) return y;
  return y - x;
}

export function summarizeMetrics(url: string, first: readonly Sample[], second: readonly Sample[]): MetricsSummary {
  const walFsync = histogramDelta(histogram(first, 'etcd_disk_wal_fsync_duration_seconds'), histogram(second, 'etcd_disk_wal_fsync_duration_seconds'));
  const backendCommit = histogramDelta(
    histogram(first, 'etcd_disk_backend_commit_duration_seconds'),
    histogram(second, 'etcd_disk_backend_commit_duration_seconds'),
  );
  const peerRttP99Ms: Record<string, number> = {};
  const peerRttMeanMs: Record<string, number> = {};
  const rttName = 'etcd_network_peer_round_trip_time_seconds';
  for (const to of labelValues(second, `${rttName}_bucket`, 'To')) {
    const after = histogram(second, rttName, { To: to });
    const delta = histogramDelta(histogram(first, rttName, { To: to }), after);
    // etcd probes each peer every few seconds: a short window may have seen none
    const h = delta && delta.count > 0 ? delta : after;
    const p99 = histogramQuantile(0.99, h);
    if (p99 !== null) peerRttP99Ms[to] = ms(p99)!;
    // the mean is exact (sum / count), where the p99 is only as fine as the doubling buckets
    if (h && h.count > 0) peerRttMeanMs[to] = ms(h.sum / h.count)!;
  }
  const gauge = (name: string) => total(second, name);
  const flag = (name: string) => {
    const v = gauge(name);
    return v === null ? null : v > 0;
  };
  return {
    url,
    walFsync,
    backendCommit,
    walFsyncP99Ms: ms(histogramQuantile(0.99, walFsync)),
    backendCommitP99Ms: ms(histogramQuantile(0.99, backendCommit)),
    leaderChanges: counterDelta(first, second, 'etcd_server_leader_changes_seen_total'),
    heartbeatSendFailures: counterDelta(first, second, 'etcd_server_heartbeat_send_failures_total'),
    proposalsFailed: counterDelta(first, second, 'etcd_server_proposals_failed_total'),
    slowApplies: counterDelta(first, second, 'etcd_server_slow_apply_total'),
    proposalsPending: gauge('etcd_server_proposals_pending') ?? 0,
    hasLeader: flag('etcd_server_has_leader'),
    isLeader: flag('etcd_server_is_leader'),
    quotaBytes: gauge('etcd_server_quota_backend_bytes'),
    peerRttP99Ms,
    peerRttMeanMs,
  };
}

/** leader changes, term growth, heartbeat send failures, failed proposals, slow applies */
export function metricsFindings(members: readonly MemberReport[], slowDiskHosts: ReadonlySet<string>): Finding[] {
  const findings: Finding[] = [];
  const withMetrics = members.filter((m) => m.metrics !== null);

  const churn = withMetrics.filter((m) => {
    const term = termGrowth(m);
    return m.metrics!.leaderChanges > 0 || (term !== null && term > 0);
  });
  if (churn.length > 0) {
    findings.push({
      id: 'raft.leader_changes',
      severity: 'warning',
      title: 'the leader changed during the window',
      members: churn.map((m) => m.host),
      evidence: Object.fromEntries(churn.map((m) => [m.host, { leader_changes: m.metrics!.leaderChanges, raft_term_growth: termGrowth(m) }])),
      probableCause: slowDiskHosts.size > 0 ? 'elections caused by the slow disk (see the disk finding)' : 'members miss heartbeats: see the disk, timing and load findings',
      action: manualAction('find the cause in the other findings; leader changes are a symptom'),
    });
  }
  const failures = withMetrics.filter((m) => m.metrics!.heartbeatSendFailures > 0);
  if (failures.length > 0) {
    findings.push({
      id: 'raft.heartbeat_send_failures',
      severity: 'warning',
      title: 'heartbeats could not be sent',
      members: failures.map((m) => m.host),
      evidence: Object.fromEntries(failures.map((m) => [m.host, { heartbeat_send_failures: m.metrics!.heartbeatSendFailures }])),
      probableCause: 'the leader could not reach a follower (a member down, the network) or was too busy',
      action: manualAction('see the member and timing findings'),
    });
  }
  const proposals = withMetrics.filter((m) => m.metrics!.proposalsFailed > 0 || m.metrics!.proposalsPending > 5);
  if (proposals.length > 0) {
    findings.push({
      id: 'raft.proposals',
      severity: 'warning',
      title: 'proposals failed or are piling up',
      members: proposals.map((m) => m.host),
      evidence: Object.fromEntries(proposals.map((m) => [m.host, { proposals_failed: m.metrics!.proposalsFailed, proposals_pending: m.metrics!.proposalsPending }])),
      probableCause: 'writes fail while there is no leader or no quorum, or queue behind a slow disk',
      action: manualAction('see the member, disk and leader findings'),
    });
  }
  const slow = withMetrics.filter((m) => m.metrics!.slowApplies > 0);
  if (slow.length > 0) {
    findings.push({
      id: 'apply.slow',
      severity: 'warning',
      title: 'applies took over 100 ms',
      members: slow.map((m) => m.host),
      evidence: Object.fromEntries(slow.map((m) => [m.host, { slow_applies: m.metrics!.slowApplies }])),
      probableCause: slowDiskHosts.size > 0 ? 'the slow disk' : 'a slow disk or a busy CPU; large requests or large ranges',
      action: manualAction('see the disk findings; check the CPU load of the member'),
    });
  }
  return findings;
}

export function termGrowth(m: MemberReport): number | null {
  const a = m.status.first;
  const b = m.status.second;
  return a && b ? b.raftTerm - a.raftTerm : null;
}
