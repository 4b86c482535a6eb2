/**
 * Whether a cluster has settled after restarts: every member healthy, exactly one leader that
 * everyone agrees on, and members within a small distance of each other in revision and raft
 * index. Pure, so the rule is tested on its own.
 */
export interface MemberObservation {
  name: string;
  id: string;
  isLearner: boolean;
  healthy: boolean;
  error?: string;
  leaderId?: string;
  revision?: number;
  raftIndex?: number;
}

export interface ConvergenceRules {
  revisionTolerance: number;
  raftIndexTolerance: number;
  /** how many members there must be, when known */
  expectedMembers?: number;
}

export interface Convergence {
  ok: boolean;
  /** what is still wrong, one line each */
  problems: string[];
  leaderId?: string;
  revisionSpread: number;
  raftIndexSpread: number;
}

function spread(values: number[]): number {
  return values.length === 0 ? 0 : Math.max(...values) - Math.min(...values);
}

export function judgeConvergence(obs: readonly MemberObservation[], rules: ConvergenceRules): Convergence {
  const problems: string[] = [];
  if (rules.expectedMembers !== undefined && obs.length !== rules.expectedMembers) {
    problems.push(`${obs.length} members, expected ${rules.expectedMembers}`);
  }
  for (const o of obs) {
    if (!o.healthy) problems.push(`${o.name || o.id} unhealthy: ${o.error ?? 'no answer'}`);
  }
  const leaders = new Set(obs.filter((o) => o.healthy && o.leaderId).map((o) => o.leaderId!));
  let leaderId: string | undefined;
  if (leaders.size === 0) problems.push('no leader');
  else if (leaders.size > 1) problems.push(`members disagree on the leader: ${[...leaders].join(', ')}`);
  else {
    leaderId = [...leaders][0];
    if (!obs.some((o) => o.id === leaderId && !o.isLearner)) problems.push(`leader ${leaderId} is not a voting member of the list`);
  }
  const revisions = obs.filter((o) => o.revision !== undefined).map((o) => o.revision!);
  const raftIndexes = obs.filter((o) => o.raftIndex !== undefined).map((o) => o.raftIndex!);
  const revisionSpread = spread(revisions);
  const raftIndexSpread = spread(raftIndexes);
  if (revisionSpread > rules.revisionTolerance) problems.push(`revisions differ by ${revisionSpread} (tolerance ${rules.revisionTolerance})`);
  if (raftIndexSpread > rules.raftIndexTolerance) problems.push(`raft indexes differ by ${raftIndexSpread} (tolerance ${rules.raftIndexTolerance})`);
  return { ok: problems.length === 0, problems, leaderId, revisionSpread, raftIndexSpread };
}
