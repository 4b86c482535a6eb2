/**
 * The running members' --heartbeat-interval and --election-timeout against the round trip
 * between members, by etcd's tuning guide: the heartbeat about the round trip, the election
 * timeout at least 10x it (and at least 5x the heartbeat, which etcd itself enforces).
 *
 * The round trip judged is, per pair of members, the larger of the TCP connect time from one
 * host to the other's peer URL and an HTTP round trip to it (see maxPeerRtt).
 */
import { THRESHOLDS as T } from './thresholds.js';
import { manualAction, runbookAction, timingFor, type RecommendContext } from './recommend.js';
import type { Finding, MemberReport } from './types.js';

/**
 * The longest round trip between two members: per peer, the larger of the TCP connect time (the
 * network itself) and an HTTP round trip to the peer's peer URL (what heartbeats meet end to
 * end, proxies and queues included). etcd's own peer-probe metric is only evidence: etcd records
 * a smoothed value every 30 s, too rarely for a short window.
 */
export function maxPeerRtt(
  members: readonly MemberReport[],
  /** members whose etcd answers late for another reason (a slow disk): only TCP connect times count for them */
  slowHosts: ReadonlySet<string> = new Set(),
): { rttMs: number; from: string; to: string; source: 'tcp-connect' | 'http' } | null {
  let best: { rttMs: number; from: string; to: string; source: 'tcp-connect' | 'http' } | null = null;
  for (const m of members) {
    for (const [to, ms] of Object.entries(m.timing.peerConnectRttMs)) {
      if (!best || ms > best.rttMs) best = { rttMs: ms, from: m.host, to, source: 'tcp-connect' };
    }
    if (slowHosts.has(m.host)) continue;
    for (const [to, ms] of Object.entries(m.timing.peerHttpRttMs ?? {})) {
      if (slowHosts.has(to)) continue;
      if (!best || ms > best.rttMs) best = { rttMs: ms, from: m.host, to, source: 'http' };
    }
  }
  return best;
}

/**
 * `slowHosts`: members with a slow disk. A slowed etcd answers probes late too; its probe times
 * would blame the network for the disk, so only the TCP connect times count for those members.
 */
export function timingFindings(members: readonly MemberReport[], rc: RecommendContext, slowHosts: ReadonlySet<string> = new Set()): Finding[] {
  const findings: Finding[] = [];
  const known = members.filter((m) => m.timing.heartbeatMs !== null && m.timing.electionMs !== null);
  if (known.length === 0) return findings;
  const rtt = maxPeerRtt(members, slowHosts);
  const heartbeat = Math.min(...known.map((m) => m.timing.heartbeatMs!));
  const election = Math.min(...known.map((m) => m.timing.electionMs!));
  const evidence = Object.fromEntries(
    known.map((m) => [
      m.host,
      {
        heartbeat_ms: m.timing.heartbeatMs,
        election_ms: m.timing.electionMs,
        max_peer_connect_ms: Object.values(m.timing.peerConnectRttMs).length ? round(Math.max(...Object.values(m.timing.peerConnectRttMs))) : null,
        max_peer_http_rtt_ms: Object.values(m.timing.peerHttpRttMs ?? {}).length ? round(Math.max(...Object.values(m.timing.peerHttpRttMs))) : null,
        etcd_peer_probe_mean_ms: m.metrics && Object.values(m.metrics.peerRttMeanMs).length ? round(Math.max(...Object.values(m.metrics.peerRttMeanMs))) : null,
        etcd_peer_probe_p99_ms: m.metrics && Object.values(m.metrics.peerRttP99Ms).length ? round(Math.max(...Object.values(m.metrics.peerRttP99Ms))) : null,
      },
    ]),
  );

  if (rtt && (rtt.rttMs > heartbeat * T.heartbeatRttFactor || election < rtt.rttMs * T.electionRttFactor)) {
    const rec = timingFor(rtt.rttMs);
    findings.push({
      id: 'timing.rtt_exceeds_timeouts',
      severity: election < rtt.rttMs * 3 ? 'critical' : 'warning',
      title: `round trip ${round(rtt.rttMs)} ms (${rtt.from} -> ${rtt.to}, ${rtt.source}) is too long for heartbeat ${heartbeat} ms / election timeout ${election} ms`,
      members: [...new Set([rtt.from, rtt.to].filter((h) => members.some((m) => m.host === h)))],
      evidence,
      probableCause: `etcd's tuning guide wants the heartbeat about the round trip between members and the election timeout at least ${T.electionRttFactor}x it; with ${round(rtt.rttMs)} ms, followers miss heartbeats and start elections`,
      action: runbookAction(
        rc,
        'playbooks/etcd-heartbeat-tuning.yaml',
        { heartbeat_interval: String(rec.heartbeatMs), election_timeout: String(rec.electionMs) },
        `retune every member with a rolling restart: heartbeat ${rec.heartbeatMs} ms (1.5x the ${round(rtt.rttMs)} ms round trip), election timeout ${rec.electionMs} ms (10x the heartbeat); or shorten the network path`,
      ),
    });
  }

  const badRatio = known.filter((m) => m.timing.electionMs! < m.timing.heartbeatMs! * T.electionHeartbeatMin);
  const distinct = new Set(known.map((m) => `${m.timing.heartbeatMs}/${m.timing.electionMs}`));
  if (badRatio.length > 0 || distinct.size > 1) {
    const base = timingFor(rtt?.rttMs ?? 0);
    const h = Math.max(base.heartbeatMs, Math.max(...known.map((m) => m.timing.heartbeatMs!)));
    const e = Math.min(T.electionMaxMs, Math.max(base.electionMs, h * 10));
    findings.push({
      id: 'timing.inconsistent',
      severity: 'warning',
      title: distinct.size > 1 ? 'members run with different heartbeat / election timeout values' : 'election timeout under 5x the heartbeat',
      members: (badRatio.length > 0 ? badRatio : known).map((m) => m.host),
      evidence,
      probableCause: 'settings changed on some members only, or by hand',
      action:
        rtt === null
          ? manualAction('set the same heartbeat and election timeout on every member')
          : runbookAction(rc, 'playbooks/etcd-heartbeat-tuning.yaml', { heartbeat_interval: String(h), election_timeout: String(e) }, 'set the same values on every member with a rolling restart'),
    });
  }
  return findings;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
