/**
 * Every threshold diagnose judges by, in one place, each with where it comes from.
 * docs/diagnose.md repeats this table for operators; change both together.
 */
export const THRESHOLDS = {
  /** etcd's hardware guide and FAQ: p99 of wal_fsync under 10 ms for a disk fast enough for etcd */
  walFsyncP99WarnMs: 10,
  /** a sync longer than the default heartbeat interval (100 ms) delays the leader's heartbeats */
  walFsyncP99CritMs: 100,
  /** a p99 of fewer observations than this in the window is shown but not judged (one slow sync is not a slow disk) */
  minObservations: 10,
  /** etcd's FAQ: p99 of backend_commit under 25 ms */
  backendCommitP99WarnMs: 25,
  /** etcd's own Prometheus alert etcdHighCommitDurations fires at 250 ms */
  backendCommitP99CritMs: 250,
  /** the same 10 ms for one 8 KiB write with fdatasync, measured with dd (etcd's hardware guide / fio recipe) */
  probeSyncWarnMs: 10,
  probeSyncCritMs: 100,
  /** our own: a member that waits on IO this much of the time is starved */
  iowaitWarnPercent: 20,
  /** free space on the data dir's file system */
  freeWarnPercent: 15,
  freeCritPercent: 5,
  freeCritBytes: 256 * 1024 * 1024,
  /** share of the space quota used: etcd refuses writes (NOSPACE) at 100 % */
  quotaWarnPercent: 80,
  quotaCritPercent: 95,
  /** etcd's tuning guide: heartbeat ~ the round trip between members (0.5-1.5x); election >= 10x the round trip */
  heartbeatRttFactor: 1,
  electionRttFactor: 10,
  /** etcd refuses an election timeout under 5x the heartbeat, and above 50000 ms */
  electionHeartbeatMin: 5,
  electionMaxMs: 50_000,
  /** etcd's peer prober warns about clock drift above 1 s */
  clockOffsetWarnMs: 1000,
  /** days left on a certificate */
  certWarnDays: 30,
  certCritDays: 7,
  /** revisions a follower may trail the leader by before it counts as lagging */
  revisionLagWarn: 1000,
  /** kube-controller-manager's default grace (40 s) is 4x the kubelet's default update frequency (10 s) */
  graceUpdateFactor: 4,
} as const;
