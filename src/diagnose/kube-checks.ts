/**
 * On kubeadm hosts: kube-controller-manager's --node-monitor-grace-period against the kubelet's
 * nodeStatusUpdateFrequency. The defaults (40 s and 10 s) give the kubelet four updates before a
 * node is marked NotReady; a grace period of one update (seed 001: 10 s and 10 s) makes nodes
 * flap NotReady whenever one update is late.
 */
import { THRESHOLDS as T } from './thresholds.js';
import { runbookAction, type RecommendContext } from './recommend.js';
import type { Finding, MemberReport } from './types.js';

/** a Go duration (`40s`, `1m30s`, `2m`) in seconds; null when it is not one */
export function goDurationSeconds(s: string | null): number | null {
  if (s === null || s.trim() === '') return null;
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s)/g;
  let total = 0;
  let matched = '';
  for (const m of s.trim().matchAll(re)) {
    const v = Number(m[1]);
    total += m[2] === 'h' ? v * 3600 : m[2] === 'm' ? v * 60 : m[2] === 's' ? v : v / 1000;
    matched += m[0];
  }
  return matched === s.trim() ? total : null;
}

/**
 * A duration from a kubelet or controller file where zero means "the default": kubeadm writes
 * `nodeStatusUpdateFrequency: 0s` into config.yaml, and the kubelet then runs its default (10s).
 */
export function configuredSeconds(s: string | null): number | null {
  const v = goDurationSeconds(s);
  return v === 0 ? null : v;
}

export function kubeFindings(members: readonly MemberReport[], rc: RecommendContext): Finding[] {
  const bad = members.filter((m) => {
    if (!m.kube || m.kube.manifest === null) return false;
    const grace = m.kube.nodeMonitorGracePeriodS ?? 40;
    const freq = m.kube.nodeStatusUpdateFrequencyS ?? 10;
    return grace < freq * T.graceUpdateFactor;
  });
  if (bad.length === 0) return [];
  return [
    {
      id: 'kube.node_monitor_grace_period',
      severity: 'warning',
      title: 'node-monitor-grace-period leaves the kubelet too few status updates',
      members: bad.map((m) => m.host),
      evidence: Object.fromEntries(
        bad.map((m) => [m.host, { node_monitor_grace_period_s: m.kube!.nodeMonitorGracePeriodS ?? 40, node_status_update_frequency_s: m.kube!.nodeStatusUpdateFrequencyS ?? 10, manifest: m.kube!.manifest }]),
      ),
      probableCause: 'nodes turn NotReady whenever one status update is late (apiserver or etcd latency), and pods are evicted',
      // Kubernetes' defaults (40s grace, 10s updates) on every node, controllers first
      action: runbookAction(
        rc,
        'playbooks/k8s-node-status-timing.yaml',
        { preset: 'default' },
        `set the grace period to at least ${T.graceUpdateFactor}x the kubelet's nodeStatusUpdateFrequency on every node (the default preset: 40s and 10s; or -e preset=medium)`,
      ),
    },
  ];
}
