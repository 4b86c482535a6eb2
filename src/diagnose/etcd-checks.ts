/**
 * etcd's own view, through each member's client (status at both ends of the window, the member
 * list and alarms from a member of the majority's cluster), and the findings it supports: a
 * member down, a member of another cluster (wiped data dir: "request cluster ID mismatch"), an
 * `unstarted` member, IDs that disagree, NOSPACE and the quota, a lagging member, no leader.
 */
import { THRESHOLDS as T } from './thresholds.js';
import { manualAction, runbookAction, type RecommendContext } from './recommend.js';
import type { ClusterView, Finding, MemberReport } from './types.js';

/** the cluster ID that most answering members report */
export function majorityClusterId(ids: ReadonlyArray<string | undefined>): string | null {
  const counts = new Map<string, number>();
  for (const id of ids) if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
  let best: string | null = null;
  let n = 0;
  for (const [id, c] of counts) if (c > n) [best, n] = [id, c];
  return best;
}

const GiB = 1024 ** 3;
const mib = (b: number) => Math.round((b / 1024 ** 2) * 10) / 10;

export function etcdFindings(members: readonly MemberReport[], cluster: ClusterView, rc: RecommendContext): Finding[] {
  const findings: Finding[] = [];
  const replace = (host: string, why: string) => runbookAction(rc, 'playbooks/replace-member.yaml', { member: host }, why);

  for (const m of members.filter((x) => !x.reachable.ssh)) {
    findings.push({
      id: 'host.unreachable',
      severity: 'critical',
      title: `cannot reach ${m.host} over SSH`,
      members: [m.host],
      evidence: { [m.host]: { address: m.address, error: m.errors[0] ?? null } },
      probableCause: 'the host is down, or the network or sshd on it',
      action: manualAction(`bring ${m.host} back (console, power, network); then run diagnose again`),
    });
  }

  const stranger = members.filter((m) => {
    const id = (m.status.second ?? m.status.first)?.clusterId;
    return id && cluster.clusterId && id !== cluster.clusterId;
  });
  for (const m of stranger) {
    const s = (m.status.second ?? m.status.first)!;
    findings.push({
      id: 'member.cluster_id_mismatch',
      severity: 'critical',
      title: `${m.host} belongs to another cluster (cluster ID mismatch)`,
      members: [m.host],
      evidence: { [m.host]: { cluster_id: s.clusterId, majority_cluster_id: cluster.clusterId, member_id: s.memberId } },
      probableCause: 'its data dir was wiped or replaced and etcd started again with initial-cluster-state=new: it formed a cluster of its own, and its peers log "request cluster ID mismatch"',
      action: replace(m.host, `replace the member: remove it from the cluster, re-add it with an empty data dir (its old data dir is moved aside, not deleted)`),
    });
  }

  const down = members.filter((m) => m.reachable.ssh && m.status.first === null && m.status.second === null);
  for (const m of down) {
    const listed = cluster.members.find((x) => x.host === m.host);
    const unstarted = listed !== undefined && !listed.started;
    if (unstarted) continue; // reported below, with its fix
    findings.push({
      id: 'member.down',
      severity: 'critical',
      title: `etcd on ${m.host} does not answer`,
      members: [m.host],
      evidence: { [m.host]: { ...(m.staticPod ? { static_pod_manifest: m.staticPod.etcdManifest ?? `missing from ${m.staticPod.manifestDir}`, kubelet: m.staticPod.kubelet } : {}), service: m.service, error: m.errors.find((e) => /etcd/.test(e)) ?? m.errors[0] ?? null, listed_by_cluster: listed ? 'yes' : 'no' } },
      probableCause: downCause(m),
      action: manualAction(`${startAdvice(m)}; if it does not stay up or cannot rejoin, replace it: runbook apply playbooks/replace-member.yaml ${rc.inventory.map((i) => `-i ${i}`).join(' ')} -e member=${m.host}`),
    });
  }

  for (const listed of cluster.members.filter((x) => !x.started)) {
    const host = listed.host;
    findings.push({
      id: 'member.unstarted',
      severity: 'critical',
      title: `member ${listed.id} (${host ?? listed.peerUrls.join(',')}) is unstarted`,
      members: host ? [host] : [],
      evidence: { [host ?? listed.id]: { member_id: listed.id, peer_urls: listed.peerUrls.join(','), started: 'no' } },
      probableCause: 'the member was added but never joined: its etcd runs with another identity or data dir, or not at all',
      action: host ? replace(host, 'replace the member: remove the unstarted entry and add it again') : manualAction(`remove it: etcdctl member remove ${listed.id}`),
    });
  }

  // a member that answers, is in the majority's cluster, but with an ID the list does not have
  if (cluster.members.length > 0) {
    const ids = new Set(cluster.members.map((x) => x.id));
    for (const m of members) {
      const s = m.status.second ?? m.status.first;
      if (!s || s.clusterId !== cluster.clusterId || ids.has(s.memberId)) continue;
      findings.push({
        id: 'member.id_mismatch',
        severity: 'critical',
        title: `${m.host} answers as member ${s.memberId}, which the cluster does not list`,
        members: [m.host],
        evidence: { [m.host]: { member_id: s.memberId, listed_ids: [...ids].join(',') } },
        probableCause: 'the member was removed, or its data dir belongs to a member that was replaced',
        action: replace(m.host, 'replace the member'),
      });
    }
  }

  const noLeader = members.filter((m) => m.status.second !== null && m.status.second.leaderId === '' && !stranger.includes(m));
  if (noLeader.length > 0) {
    findings.push({
      id: 'raft.no_leader',
      severity: 'critical',
      title: 'members see no leader',
      members: noLeader.map((m) => m.host),
      evidence: Object.fromEntries(noLeader.map((m) => [m.host, { leader: 'none', raft_term: m.status.second!.raftTerm }])),
      probableCause: 'quorum lost (too many members down) or continuous elections',
      action: manualAction('bring members back until a majority runs; if the data is lost on a majority, restore: runbook apply playbooks/restore-etcd.yaml -e snapshot=...'),
    });
  }

  // space: NOSPACE, and the db against the quota
  // the alarm list, and what members report of themselves (status errors name their alarms)
  const nospace = cluster.alarms.filter((a) => a.alarm === 'NOSPACE');
  for (const m of members) {
    const s = m.status.second ?? m.status.first;
    if (s?.errors.some((e) => /NOSPACE/i.test(e)) && !nospace.some((a) => a.host === m.host)) nospace.push({ memberId: s.memberId, alarm: 'NOSPACE', host: m.host });
  }
  const quotaOf = (m: MemberReport): number => m.metrics?.quotaBytes ?? 2 * GiB;
  const near = members.filter((m) => {
    const s = m.status.second ?? m.status.first;
    return s && (100 * s.dbSize) / quotaOf(m) >= T.quotaWarnPercent;
  });
  if (nospace.length > 0 || near.length > 0) {
    const critical = nospace.length > 0 || near.some((m) => (100 * (m.status.second ?? m.status.first)!.dbSize) / quotaOf(m) >= T.quotaCritPercent);
    const shown = near.length > 0 ? near : members.filter((m) => m.status.second ?? m.status.first);
    // when what is in use (not just allocated) is near the quota, compaction and defrag free little: raise it
    const inUseHigh = shown.some((m) => {
      const s = (m.status.second ?? m.status.first)!;
      return (100 * s.dbSizeInUse) / quotaOf(m) >= T.quotaWarnPercent;
    });
    const quota = Math.max(...shown.map(quotaOf));
    const vars: Record<string, string> = {};
    if (inUseHigh) vars.quota_backend_bytes = String(Math.min(8 * GiB, Math.max(2 * quota, 64 * 1024 ** 2)));
    findings.push({
      id: nospace.length > 0 ? 'space.nospace_alarm' : 'space.quota',
      severity: critical ? 'critical' : 'warning',
      title: nospace.length > 0 ? 'NOSPACE alarm: etcd refuses writes (database space exceeded)' : 'the database is close to its space quota',
      members: [...new Set([...nospace.map((a) => a.host).filter((h): h is string => h !== null), ...near.map((m) => m.host)])],
      evidence: Object.fromEntries(
        shown.map((m) => {
          const s = (m.status.second ?? m.status.first)!;
          return [
            m.host,
            {
              db_size_mib: mib(s.dbSize),
              db_in_use_mib: mib(s.dbSizeInUse),
              quota_mib: mib(quotaOf(m)),
              used_percent: Math.round((1000 * s.dbSize) / quotaOf(m)) / 10,
              alarms: nospace.some((a) => a.host === m.host) ? 'NOSPACE' : cluster.alarms.filter((a) => a.host === m.host).map((a) => a.alarm).join(',') || 'none',
            },
          ];
        }),
      ),
      probableCause: inUseHigh
        ? 'the live data itself nearly fills the quota: compaction and defragmentation free little, the quota must grow'
        : 'history and fragmentation fill the quota: compaction and defragmentation give the space back',
      action: runbookAction(
        rc,
        'playbooks/etcd-maintenance.yaml',
        vars,
        inUseHigh ? 'compact, defragment (followers first, the leader last), raise the quota and disarm the alarm' : 'compact, defragment (followers first, the leader last) and disarm the alarm',
      ),
    });
  }

  // lag: members of the majority cluster far behind the newest revision
  const same = members.filter((m) => m.status.second && m.status.second.clusterId === cluster.clusterId);
  const newest = Math.max(0, ...same.map((m) => m.status.second!.revision));
  const lagging = same.filter((m) => newest - m.status.second!.revision > T.revisionLagWarn);
  if (lagging.length > 0) {
    findings.push({
      id: 'raft.lag',
      severity: 'warning',
      title: 'members trail the newest revision',
      members: lagging.map((m) => m.host),
      evidence: Object.fromEntries(lagging.map((m) => [m.host, { revision: m.status.second!.revision, newest_revision: newest, raft_index: m.status.second!.raftIndex }])),
      probableCause: 'the member applies more slowly than the cluster writes (slow disk or CPU), or it is catching up after a restart',
      action: manualAction('see the disk findings; run diagnose again to see whether the lag shrinks'),
    });
  }

  const versions = new Set(same.map((m) => m.status.second!.version));
  if (versions.size > 1) {
    findings.push({
      id: 'cluster.versions',
      severity: 'info',
      title: 'members run different etcd versions',
      members: same.map((m) => m.host),
      evidence: Object.fromEntries(same.map((m) => [m.host, { version: m.status.second!.version }])),
      probableCause: 'an upgrade in progress, or a member left behind',
      action: manualAction('finish the rolling upgrade'),
    });
  }
  return findings;
}

/** why a member that does not answer is down, as far as its host shows */
function downCause(m: MemberReport): string {
  if (m.service === 'running' || m.service === 'active') return 'the process runs but does not serve clients (starting up, stuck, or its client URL is wrong)';
  const pod = m.staticPod;
  if (pod) {
    if (pod.kubelet !== 'active') return `etcd runs as a static pod and the kubelet that runs it is ${pod.kubelet || 'not running'}`;
    if (!pod.etcdManifest) return `etcd runs as a static pod and its manifest is not in ${pod.manifestDir} (moved aside by hand or by an unfinished run?)`;
    return 'etcd runs as a static pod; its manifest is in place and the kubelet runs, but no etcd process runs: the pod fails to start (see its log)';
  }
  return `the member is stopped (service ${m.service ?? 'unknown'}); the cluster runs without it and tolerates one failure less`;
}

/** how to bring it back: a kubeadm member is started by the kubelet from its manifest, never with systemctl start etcd */
function startAdvice(m: MemberReport): string {
  const pod = m.staticPod;
  if (!pod) return `start it (systemctl start ${m.unit} on ${m.host}) and read its log`;
  if (pod.kubelet !== 'active') return `start the kubelet on ${m.host} (systemctl start kubelet; it runs etcd from ${pod.manifestDir}/etcd.yaml) and read its log (journalctl -u kubelet)`;
  if (!pod.etcdManifest) return `put etcd's manifest back into ${pod.manifestDir}/etcd.yaml on ${m.host} (the kubelet starts the pod within seconds); look for it where it was moved (a runbook that parks it says where in its run record)`;
  return `read the pod's log on ${m.host} (/var/log/pods/kube-system_etcd-*/etcd/*.log, or crictl logs) and check ${pod.etcdManifest}: the kubelet runs it but etcd exits`;
}
