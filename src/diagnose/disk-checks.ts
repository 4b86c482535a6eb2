/**
 * The data dir's disk: fsync and commit latency as etcd measured them over the window, a short
 * synced-write probe with dd, iowait, the processes writing most, and free space on the data
 * dir's file system and on /. A slow disk is named per member with its numbers, and the action
 * says to fix the disk: longer heartbeats would only hide it.
 */
import { THRESHOLDS as T } from './thresholds.js';
import { manualAction } from './recommend.js';
import type { Finding, MemberReport, Severity } from './types.js';

const GiB = 1024 ** 3;
const human = (bytes: number | null): string | null => {
  if (bytes === null) return null;
  if (bytes >= GiB) return `${(bytes / GiB).toFixed(1)} GiB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
};

function diskSeverity(m: MemberReport): Severity | null {
  const enough = (n: number | undefined) => (n ?? 0) >= T.minObservations;
  const fsync = enough(m.metrics?.walFsync?.count) ? (m.metrics?.walFsyncP99Ms ?? null) : null;
  const commit = enough(m.metrics?.backendCommit?.count) ? (m.metrics?.backendCommitP99Ms ?? null) : null;
  const probe = m.disk?.probeSyncMs ?? null;
  if ((fsync !== null && fsync > T.walFsyncP99CritMs) || (commit !== null && commit > T.backendCommitP99CritMs) || (probe !== null && probe > T.probeSyncCritMs)) {
    return 'critical';
  }
  // etcd's own measurements judge; the short dd probe, a few hundred ms once, is evidence beside
  // them (it alone raises the finding only above the critical bound: other writers on a shared
  // disk can make a short probe slow for a moment)
  if ((fsync !== null && fsync > T.walFsyncP99WarnMs) || (commit !== null && commit > T.backendCommitP99WarnMs)) {
    return 'warning';
  }
  return null;
}

export function slowDiskHosts(members: readonly MemberReport[]): Set<string> {
  return new Set(members.filter((m) => diskSeverity(m) !== null).map((m) => m.host));
}

export function diskFindings(members: readonly MemberReport[]): Finding[] {
  const findings: Finding[] = [];
  const slow = members.map((m) => ({ m, sev: diskSeverity(m) })).filter((x) => x.sev !== null);
  if (slow.length > 0) {
    const severity: Severity = slow.some((x) => x.sev === 'critical') ? 'critical' : 'warning';
    const names = slow.map((x) => `${x.m.host} (${x.m.disk?.mount ?? x.m.disk?.path ?? 'data dir'})`).join(', ');
    findings.push({
      id: 'disk.slow',
      severity,
      title: `slow disk on ${names}`,
      members: slow.map((x) => x.m.host),
      evidence: Object.fromEntries(
        slow.map(({ m }) => [
          m.host,
          {
            data_dir: m.disk?.path ?? null,
            wal_fsync_p99_ms: m.metrics?.walFsyncP99Ms ?? null,
            wal_fsyncs_in_window: m.metrics?.walFsync?.count ?? null,
            backend_commit_p99_ms: m.metrics?.backendCommitP99Ms ?? null,
            dd_dsync_write_ms: m.disk?.probeSyncMs ?? null,
            dd_dsync_write_worst_ms: m.disk?.probeSyncWorstMs ?? null,
            iowait_percent: m.disk?.iowaitPercent ?? null,
            top_writer: m.disk?.topWriters[0] ? `${m.disk.topWriters[0].comm} (${human(m.disk.topWriters[0].bytesPerSec)}/s)` : null,
          },
        ]),
      ),
      probableCause: `the disk under the data dir syncs too slowly for etcd (p99 of wal_fsync should stay under ${T.walFsyncP99WarnMs} ms, backend_commit under ${T.backendCommitP99WarnMs} ms); the leader then misses heartbeats and elections follow`,
      action: manualAction(
        'fix the disk; do not tune heartbeats. Move the data dir (or at least --wal-dir) to a dedicated low-latency SSD/NVMe, stop other heavy writers on that disk (see top writers), check the disk and its controller. Longer heartbeat/election timeouts would only hide the slow disk and make real failures slower to detect.',
      ),
    });
  }

  const iow = members.filter((m) => m.disk?.iowaitPercent != null && m.disk.iowaitPercent > T.iowaitWarnPercent && !slow.some((x) => x.m === m));
  if (iow.length > 0) {
    findings.push({
      id: 'disk.iowait',
      severity: 'warning',
      title: 'the CPU spends much of its time waiting for IO',
      members: iow.map((m) => m.host),
      evidence: Object.fromEntries(
        iow.map((m) => [m.host, { iowait_percent: round(m.disk!.iowaitPercent), top_writers: m.disk!.topWriters.map((w) => `${w.comm}[${w.pid}] ${human(w.bytesPerSec)}/s`).join(', ') }]),
      ),
      probableCause: 'IO saturation on the host: other processes compete with etcd for the disk',
      action: manualAction('move the heavy writers off the etcd disk, or etcd onto its own disk'),
    });
  }

  for (const m of members) {
    const d = m.disk;
    if (d && d.freePercent !== null && d.freeBytes !== null) {
      const crit = d.freePercent < T.freeCritPercent || d.freeBytes < T.freeCritBytes;
      if (crit || d.freePercent < T.freeWarnPercent) {
        findings.push({
          id: 'disk.free',
          severity: crit ? 'critical' : 'warning',
          title: `little free space for the data dir on ${m.host}`,
          members: [m.host],
          evidence: { [m.host]: { mount: d.mount, free: human(d.freeBytes), free_percent: round(d.freePercent), size: human(d.sizeBytes) } },
          probableCause: 'the file system of the data dir is filling up; etcd stops when it cannot write its WAL',
          action: manualAction(`free space on ${d.mount ?? d.path} (old logs, old data dir copies, backups kept on the member), or grow the file system`),
        });
      }
    }
    const r = m.root;
    if (r && r.freePercent !== null && r.freeBytes !== null && (r.freePercent < T.freeCritPercent || r.freeBytes < T.freeCritBytes) && d?.mount !== '/') {
      findings.push({
        id: 'disk.root_full',
        severity: 'critical',
        title: `the root file system of ${m.host} is almost full`,
        members: [m.host],
        evidence: { [m.host]: { free: human(r.freeBytes), free_percent: round(r.freePercent) } },
        probableCause: 'a full / stops logging, the kubelet (DiskPressure) and anything writing temporary files',
        action: manualAction('free space on / (logs under /var/log, container images, core dumps)'),
      });
    }
  }
  return findings;
}

function round(x: number | null): number | null {
  return x === null ? null : Math.round(x * 10) / 10;
}
