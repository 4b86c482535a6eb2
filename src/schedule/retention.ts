/**
 * Which backups a retention policy keeps. Pure: the clock is a parameter, nothing is read or
 * deleted here (backup-store.ts does that), so every rule is testable with a fixed "now".
 *
 * A backup is kept when any rule keeps it, and the newest backup of each cluster is always
 * kept: a policy can thin out history, never leave a cluster without a snapshot.
 *
 * Time rules are windows measured back from now, in UTC calendar buckets:
 *   keep_within: 1h   every backup younger than 1h
 *   hourly: 24        the newest backup of each of the last 24 hours (this hour included)
 *   daily: 7          the newest backup of each of the last 7 days (today included)
 *   weekly: 4         the newest of each of the last 4 ISO weeks (Monday to Sunday)
 *   monthly: 12       the newest of each of the last 12 calendar months
 * A backup stamped in the future (a skewed clock) is kept and reported.
 */
import { newestFirst, type BackupFile } from './backup-name.js';
import { parseDuration } from './duration.js';

export interface RetentionPolicy {
  keep_last?: number;
  /** a duration such as `1h` (see duration.ts) */
  keep_within?: string;
  hourly?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
}

export const POLICY_RULES = ['keep_last', 'keep_within', 'hourly', 'daily', 'weekly', 'monthly'] as const;

export interface RetentionDecision {
  backup: BackupFile;
  keep: boolean;
  /** why it is kept, e.g. `newest`, `daily 2026-11-21`; empty when it goes */
  reasons: string[];
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type Bucketing = { rule: 'hourly' | 'daily' | 'weekly' | 'monthly'; index(t: Date, now: Date): number; label(t: Date): string };

const hourStart = (t: Date) => Math.floor(t.getTime() / HOUR);
const dayStart = (t: Date) => Math.floor(t.getTime() / DAY);
/** days since the epoch of the Monday that starts t's ISO week (1970-01-01 was a Thursday) */
const weekStart = (t: Date) => {
  const day = dayStart(t);
  return day - ((day + 3) % 7);
};
const monthOf = (t: Date) => t.getUTCFullYear() * 12 + t.getUTCMonth();
const iso = (t: Date) => t.toISOString();

const BUCKETINGS: Bucketing[] = [
  { rule: 'hourly', index: (t, now) => hourStart(now) - hourStart(t), label: (t) => `${iso(t).slice(0, 13)}h` },
  { rule: 'daily', index: (t, now) => dayStart(now) - dayStart(t), label: (t) => iso(t).slice(0, 10) },
  { rule: 'weekly', index: (t, now) => (weekStart(now) - weekStart(t)) / 7, label: (t) => `week of ${new Date(weekStart(t) * DAY).toISOString().slice(0, 10)}` },
  { rule: 'monthly', index: (t, now) => monthOf(now) - monthOf(t), label: (t) => iso(t).slice(0, 7) },
];

/** problems with a policy, empty when it is usable */
export function policyProblems(policy: RetentionPolicy): string[] {
  const problems: string[] = [];
  const keepsSomething = POLICY_RULES.some((r) => (r === 'keep_within' ? policy[r] !== undefined : (policy[r] ?? 0) > 0));
  if (!keepsSomething) {
    // "keep nothing but the newest" is never what a policy means; it is a typo or a missing key
    problems.push(`a retention policy needs at least one rule that keeps backups (${POLICY_RULES.join(', ')})`);
  }
  for (const r of ['keep_last', 'hourly', 'daily', 'weekly', 'monthly'] as const) {
    const v = policy[r];
    if (v !== undefined && (!Number.isInteger(v) || v < (r === 'keep_last' ? 1 : 0))) {
      problems.push(`${r} must be a whole number of at least ${r === 'keep_last' ? 1 : 0}, got ${v}`);
    }
  }
  if (policy.keep_within !== undefined) {
    try {
      parseDuration(policy.keep_within);
    } catch (e) {
      problems.push(`keep_within: ${(e as Error).message}`);
    }
  }
  return problems;
}

/**
 * Decide, per cluster, which backups stay. Decisions come back newest first.
 * Throws when the policy is unusable (see policyProblems): an empty policy must not
 * quietly mean "keep only the newest".
 */
export function applyRetention(backups: readonly BackupFile[], policy: RetentionPolicy, now: Date): RetentionDecision[] {
  const problems = policyProblems(policy);
  if (problems.length) throw new Error(problems.join('; '));
  const byCluster = new Map<string, BackupFile[]>();
  for (const b of backups) byCluster.set(b.cluster, [...(byCluster.get(b.cluster) ?? []), b]);
  const decisions: RetentionDecision[] = [];
  for (const group of byCluster.values()) decisions.push(...decideCluster([...group].sort(newestFirst), policy, now));
  return decisions.sort((a, b) => newestFirst(a.backup, b.backup));
}

function decideCluster(sorted: BackupFile[], policy: RetentionPolicy, now: Date): RetentionDecision[] {
  const decisions = sorted.map((backup) => ({ backup, keep: false, reasons: [] as string[] }));
  const keep = (d: RetentionDecision, reason: string) => {
    d.keep = true;
    d.reasons.push(reason);
  };
  if (decisions[0]) keep(decisions[0], 'newest');
  const within = policy.keep_within !== undefined ? parseDuration(policy.keep_within) : undefined;
  for (const [i, d] of decisions.entries()) {
    const age = now.getTime() - d.backup.time.getTime();
    if (age < 0) keep(d, 'in the future (controller or host clock skew?)');
    if (policy.keep_last !== undefined && i < policy.keep_last) keep(d, `last ${policy.keep_last}`);
    if (within !== undefined && age >= 0 && age < within) keep(d, `within ${policy.keep_within}`);
  }
  for (const b of BUCKETINGS) {
    const count = policy[b.rule];
    if (!count) continue;
    const seen = new Set<number>();
    // newest first, so the first backup met in a bucket is that bucket's newest
    for (const d of decisions) {
      const index = b.index(d.backup.time, now);
      if (index < 0 || index >= count || seen.has(index)) continue;
      seen.add(index);
      keep(d, `${b.rule} ${b.label(d.backup.time)}`);
    }
  }
  return decisions;
}

/**
 * `keep_last=3,hourly=24` or `keep_within=1h daily=7` (commas or spaces) as typed after
 * `--policy`; the same keys as the schedules file's `retention:`.
 */
export function parsePolicy(text: string): RetentionPolicy {
  const policy: Record<string, number | string> = {};
  for (const part of text.split(/[\s,]+/).filter(Boolean)) {
    const m = /^([a-z_]+)[=:](.+)$/.exec(part);
    const key = m?.[1];
    if (!m || !key || !(POLICY_RULES as readonly string[]).includes(key)) {
      throw new Error(`"${part}" is not a retention rule; expected key=value with key one of ${POLICY_RULES.join(', ')}`);
    }
    const value = m[2]!;
    if (key === 'keep_within') policy[key] = value;
    else {
      const n = Number(value);
      if (!Number.isInteger(n)) throw new Error(`${key} needs a whole number, got "${value}"`);
      policy[key] = n;
    }
  }
  const parsed = policy as RetentionPolicy;
  const problems = policyProblems(parsed);
  if (problems.length) throw new Error(problems.join('; '));
  return parsed;
}

/** `keep_last=3 hourly=24`, for logs and listings */
export function describePolicy(policy: RetentionPolicy): string {
  return POLICY_RULES.filter((r) => policy[r] !== undefined)
    .map((r) => `${r}=${policy[r]}`)
    .join(' ');
}
