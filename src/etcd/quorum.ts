/**
 * Quorum arithmetic for membership changes and restarts. Pure, so runbooks' guards can be
 * tested without a cluster.
 *
 *   quorumOf(3)                                    -> 2
 *   wouldLoseQuorum(['a', 'b', 'c'], ['a', 'b'])   -> true
 */

/** votes needed to commit in a cluster of `voters` voting members: floor(n/2)+1 */
export function quorumOf(voters: number): number {
  if (!Number.isInteger(voters) || voters < 0) throw new Error(`member count must be a whole number, got ${voters}`);
  return Math.floor(voters / 2) + 1;
}

/** how many voting members may be down at once without losing quorum: floor((n-1)/2) */
export function faultTolerance(voters: number): number {
  return voters === 0 ? 0 : voters - quorumOf(voters);
}

export interface VotingMember {
  name: string;
  /** learners do not vote and do not count towards quorum */
  isLearner?: boolean;
}

type MemberLike = string | VotingMember;

function nameOf(m: MemberLike): string {
  return typeof m === 'string' ? m : m.name;
}

function isVoter(m: MemberLike): boolean {
  return typeof m === 'string' || !m.isLearner;
}

/**
 * Would the cluster stop accepting writes if `down` (names) were unavailable at once?
 * `members` are all the cluster's members; names in `down` that are not members are ignored.
 */
export function wouldLoseQuorum(members: readonly MemberLike[], down: readonly string[]): boolean {
  const voters = members.filter(isVoter);
  const downSet = new Set(down);
  const up = voters.filter((m) => !downSet.has(nameOf(m))).length;
  return up < quorumOf(voters.length);
}

/**
 * After removing `removed` from the cluster, do the members still `up` form a quorum of the
 * smaller cluster? (Removing a member lowers the quorum, so this can be true when
 * wouldLoseQuorum(members, [removed]) is false and vice versa.)
 */
export function keepsQuorumAfterRemoval(members: readonly MemberLike[], up: readonly string[], removed: string): boolean {
  const remaining = members.filter((m) => isVoter(m) && nameOf(m) !== removed);
  const upSet = new Set(up);
  const upCount = remaining.filter((m) => upSet.has(nameOf(m))).length;
  return upCount >= quorumOf(remaining.length);
}
