/**
 * Find a member by what an operator knows: its name, its hex id, or its peer URL.
 */
import type { MemberInfo } from './cluster-info.js';
import { looksLikeHexId, normalizeHexId } from './member-id.js';

export function findMember(members: readonly MemberInfo[], ref: { name?: string; id?: string; peer_url?: string }): MemberInfo | undefined {
  if (ref.id !== undefined) {
    const id = normalizeHexId(ref.id);
    return members.find((m) => m.id === id);
  }
  if (ref.peer_url !== undefined) return members.find((m) => m.peerUrls.includes(ref.peer_url!));
  if (ref.name !== undefined) {
    const byName = members.find((m) => m.name === ref.name);
    if (byName) return byName;
    // an id given in the name field, as it is easy to do from `member list` output
    if (looksLikeHexId(ref.name)) return members.find((m) => m.id === normalizeHexId(ref.name!));
  }
  return undefined;
}

export function describeRef(ref: { name?: string; id?: string; peer_url?: string }): string {
  return ref.id ?? ref.name ?? ref.peer_url ?? '(nothing)';
}
