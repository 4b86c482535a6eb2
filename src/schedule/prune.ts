/**
 * Retention applied to a store: list, decide (retention.ts), and delete what the policy
 * lets go, each backup's snapshot and checksum together. Only names the backup playbook writes
 * are considered (backup-name.ts); anything else in the directory is left alone.
 */
import { filesOf, scanBackups, type BackupFile } from './backup-name.js';
import type { BackupStore } from './backup-store.js';
import { applyRetention, type RetentionDecision, type RetentionPolicy } from './retention.js';

export interface PrunePlan {
  where: string;
  /** newest first */
  decisions: RetentionDecision[];
  remove: BackupFile[];
  orphanChecksums: string[];
}

export async function planPrune(store: BackupStore, policy: RetentionPolicy, now: Date): Promise<PrunePlan> {
  const scan = scanBackups(await store.list());
  const decisions = applyRetention(scan.backups, policy, now);
  return { where: store.where, decisions, remove: decisions.filter((d) => !d.keep).map((d) => d.backup), orphanChecksums: scan.orphanChecksums };
}

/** delete the plan's backups oldest first, so an interrupted prune leaves the newer ones */
export async function executePrune(store: BackupStore, plan: PrunePlan): Promise<string[]> {
  const deleted: string[] = [];
  for (const b of [...plan.remove].reverse()) {
    const files = filesOf(b);
    await store.remove(files);
    deleted.push(...files);
  }
  return deleted;
}
