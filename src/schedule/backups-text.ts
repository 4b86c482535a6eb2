/** `runbook backups list|prune` as text. */
import type { BackupFile } from './backup-name.js';
import { formatAge } from './duration.js';
import type { PrunePlan } from './prune.js';
import type { RetentionDecision } from './retention.js';
import { table } from './schedule-list.js';

export function formatBytes(n: number | undefined): string {
  if (n === undefined) return '?';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

function row(b: BackupFile, now: Date): string[] {
  const age = now.getTime() - b.time.getTime();
  return [b.cluster, b.time.toISOString().replace('.000Z', 'Z'), age >= 0 ? `${formatAge(age)} ago` : 'in the future', String(b.revision), formatBytes(b.size), b.checksum ? 'yes' : 'MISSING', b.name];
}

export function backupsTable(backups: readonly BackupFile[], now: Date): string {
  return table([['CLUSTER', 'TAKEN (UTC)', 'AGE', 'REVISION', 'SIZE', 'SHA256', 'FILE'], ...backups.map((b) => row(b, now))]);
}

export function planTable(decisions: readonly RetentionDecision[], now: Date): string {
  return table([
    ['', 'CLUSTER', 'TAKEN (UTC)', 'AGE', 'REVISION', 'SIZE', 'FILE', 'KEPT BY'],
    ...decisions.map((d) => {
      const [cluster, taken, age, rev, size, , file] = row(d.backup, now);
      return [d.keep ? 'keep' : 'DELETE', cluster!, taken!, age!, rev!, size!, file!, d.reasons.join(', ')];
    }),
  ]);
}

export function planSummary(plan: PrunePlan): string {
  const bytes = plan.remove.reduce((n, b) => n + (b.size ?? 0), 0);
  return `${plan.where}: ${plan.decisions.length - plan.remove.length} kept, ${plan.remove.length} to delete (${formatBytes(bytes)})`;
}
