/**
 * The shapes `runbook diagnose` builds and prints: what was measured on each member, and the
 * findings drawn from it. `-o json` prints a DiagnoseReport as it is (docs/diagnose.md lists
 * every field); the text table and the HTML page are views of the same object.
 */

export type Severity = 'info' | 'warning' | 'critical';

/** the action that fixes a finding: a shipped runbook with exact -e values, or a manual step */
export interface Action {
  /** e.g. `playbooks/etcd-maintenance.yaml`; absent when no shipped runbook fixes it */
  runbook?: string;
  /** the -e values, exactly as they must be passed */
  extraVars?: Record<string, string>;
  /** the whole command line, ready to paste */
  command?: string;
  /** what to do, in words (always set) */
  text: string;
}

export interface Finding {
  /** stable identifier of the check that raised it, e.g. `disk.wal_fsync` */
  id: string;
  severity: Severity;
  title: string;
  /** inventory hosts it is about; empty for the cluster as a whole */
  members: string[];
  /** the numbers that show it, per member */
  evidence: Record<string, Record<string, string | number | null>>;
  probableCause: string;
  action: Action;
}

/** a Prometheus histogram's cumulative buckets (upper bound in seconds -> count) */
export interface Histogram {
  buckets: Array<{ le: number; count: number }>;
  count: number;
  sum: number;
}

export interface MetricsSummary {
  url: string;
  /** histograms of the window (second sample minus first) */
  walFsync?: Histogram;
  backendCommit?: Histogram;
  walFsyncP99Ms: number | null;
  backendCommitP99Ms: number | null;
  /** over the window */
  leaderChanges: number;
  heartbeatSendFailures: number;
  proposalsFailed: number;
  slowApplies: number;
  /** gauges at the second sample */
  proposalsPending: number;
  hasLeader: boolean | null;
  isLeader: boolean | null;
  quotaBytes: number | null;
  /** p99 of etcd's own peer probes over the window, per peer member ID; whole lifetime when the window saw none */
  peerRttP99Ms: Record<string, number>;
  /** mean of etcd's peer probes over the window (the whole lifetime when the window saw none), per peer member ID */
  peerRttMeanMs: Record<string, number>;
}

export interface StatusSample {
  memberId: string;
  clusterId: string;
  leaderId: string;
  revision: number;
  raftTerm: number;
  raftIndex: number;
  dbSize: number;
  dbSizeInUse: number;
  version: string;
  errors: string[];
}

export interface CertInfo {
  /** server, peer, client, ca, peer-ca, ... */
  role: string;
  path: string;
  notAfter: string | null;
  daysLeft: number | null;
  error?: string;
}

export interface LogCount {
  pattern: string;
  count: number;
  /** the newest matching line, shortened */
  last?: string;
}

export interface DiskInfo {
  path: string;
  mount: string | null;
  sizeBytes: number | null;
  freeBytes: number | null;
  freePercent: number | null;
  /** the dd oflag=dsync probe: mean time of one 8 KiB synced write in the best of four runs, and in the worst */
  probeSyncMs: number | null;
  probeSyncWorstMs: number | null;
  probeError?: string;
  /** iowait share of CPU time over the window, in percent */
  iowaitPercent: number | null;
  /** processes that wrote the most over the window */
  topWriters: Array<{ pid: number; comm: string; bytesPerSec: number }>;
}

export interface MemberReport {
  host: string;
  name: string;
  address: string;
  reachable: { ssh: boolean; etcd: boolean; metrics: boolean };
  errors: string[];
  /** the systemd unit, and its state (`systemctl is-active`) */
  unit: string;
  service: string | null;
  status: { first: StatusSample | null; second: StatusSample | null };
  metrics: MetricsSummary | null;
  timing: {
    heartbeatMs: number | null;
    electionMs: number | null;
    /** TCP connect time to each peer's peer URL, from this host (the network's round trip) */
    peerConnectRttMs: Record<string, number>;
    /** GET /version on each peer's peer URL, from the connection being ready to the first byte (what a heartbeat meets end to end) */
    peerHttpRttMs: Record<string, number>;
  };
  disk: DiskInfo | null;
  root: { freeBytes: number | null; freePercent: number | null } | null;
  /** host clock minus the controller's, and how far off that reading may be (half the round trip of the command) */
  clockOffsetMs: number | null;
  clockUncertaintyMs: number | null;
  certs: CertInfo[];
  logs: { source: string | null; sinceMinutes: number; counts: LogCount[] };
  /** etcd as a static pod (kubeadm): where the kubelet reads manifests, etcd's manifest if it is there, and the kubelet's state */
  staticPod: { manifestDir: string; etcdManifest: string | null; kubelet: string | null } | null;
  kube: { nodeMonitorGracePeriodS: number | null; nodeStatusUpdateFrequencyS: number | null; manifest: string | null } | null;
}

export interface ClusterView {
  /** the cluster ID most reachable members report */
  clusterId: string | null;
  members: Array<{ id: string; name: string; peerUrls: string[]; clientUrls: string[]; isLearner: boolean; started: boolean; host: string | null }>;
  alarms: Array<{ memberId: string; alarm: string; host: string | null }>;
  leaderId: string | null;
}

export interface DiagnoseReport {
  schemaVersion: 1;
  startedAt: string;
  windowMs: number;
  durationMs: number;
  inventory: string[];
  status: 'healthy' | 'warnings' | 'critical';
  exitCode: 0 | 1 | 2;
  summary: string;
  cluster: ClusterView;
  members: MemberReport[];
  findings: Finding[];
}
