/**
 * Days left on each etcd certificate the running member uses (its --cert-file, --peer-cert-file,
 * --trusted-ca-file, --peer-trusted-ca-file) and on the client certificate and CA the inventory
 * names (etcd_cert, etcd_cacert). End dates come from `openssl x509 -enddate` on the host.
 */
import { parseFlags, envNameOf } from '../etcd/modules/config-text.js';
import type { EtcdHostConfig } from '../etcd/host-config.js';
import { THRESHOLDS as T } from './thresholds.js';
import { manualAction } from './recommend.js';
import type { CertInfo, Finding, MemberReport } from './types.js';

const ROLES: ReadonlyArray<[option: string, role: string]> = [
  ['cert-file', 'server'],
  ['peer-cert-file', 'peer'],
  ['trusted-ca-file', 'ca'],
  ['peer-trusted-ca-file', 'peer-ca'],
];

/** the certificate files of a member: from its process, then the inventory's client files */
export function certFilesOf(argv: readonly string[], environ: Record<string, string>, config: EtcdHostConfig): Array<{ role: string; path: string }> {
  const flags = parseFlags(argv);
  const out: Array<{ role: string; path: string }> = [];
  const seen = new Set<string>();
  const add = (role: string, path: string | undefined) => {
    if (!path || seen.has(path)) return;
    seen.add(path);
    out.push({ role, path });
  };
  for (const [option, role] of ROLES) add(role, flags.get(option) ?? environ[envNameOf(option)]);
  add('client', config.tls?.cert);
  add('ca', config.tls?.cacert);
  return out;
}

export function daysLeft(notAfter: string, now: number): number | null {
  const t = Date.parse(notAfter.replace(/\s+/g, ' '));
  if (Number.isNaN(t)) return null;
  return Math.floor(((t - now) / 86_400_000) * 10) / 10;
}

export function certFindings(members: readonly MemberReport[]): Finding[] {
  const findings: Finding[] = [];
  const bad: Array<{ m: MemberReport; c: CertInfo; critical: boolean }> = [];
  for (const m of members) {
    for (const c of m.certs) {
      if (c.daysLeft === null) continue;
      if (c.daysLeft < T.certCritDays) bad.push({ m, c, critical: true });
      else if (c.daysLeft < T.certWarnDays) bad.push({ m, c, critical: false });
    }
  }
  if (bad.length === 0) return findings;
  const critical = bad.some((b) => b.critical);
  const evidence: Finding['evidence'] = {};
  for (const { m, c } of bad) {
    evidence[m.host] = { ...(evidence[m.host] ?? {}), [`${c.role}_days_left`]: c.daysLeft, [`${c.role}_file`]: c.path, [`${c.role}_not_after`]: c.notAfter };
  }
  const expired = bad.filter((b) => (b.c.daysLeft ?? 0) < 0);
  findings.push({
    id: 'tls.cert_expiry',
    severity: critical ? 'critical' : 'warning',
    title: expired.length > 0 ? `certificates expired on ${[...new Set(expired.map((b) => b.m.host))].join(', ')}` : `certificates expire soon on ${[...new Set(bad.map((b) => b.m.host))].join(', ')}`,
    members: [...new Set(bad.map((b) => b.m.host))],
    evidence,
    probableCause: 'certificates are not renewed automatically; when one expires, peers or clients refuse the member ("certificate has expired or is not yet valid")',
    action: manualAction(
      'renew them before they expire and restart each member after its new files are in place (kubeadm: kubeadm certs renew etcd-server etcd-peer etcd-healthcheck-client; otherwise reissue from your CA with the same SANs). No shipped runbook renews certificates.',
    ),
  });
  return findings;
}
