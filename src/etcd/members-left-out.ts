/**
 * Which members of the running cluster a run leaves out: a restore replaces the whole cluster,
 * so each member must be one of the run's hosts. Pure, so the wording is unit-tested.
 *
 *   membersLeftOut(members, [{host: 'node1', name: 'node1', peerUrl: ...}], ['node1', 'node2', 'node3'])
 *     -> [{member: node2, host: 'node2'}, {member: node3, host: 'node3'}]
 */
import type { MemberInfo } from './cluster-info.js';

export interface RunHost {
  /** inventory name */
  host: string;
  /** etcd_name */
  name: string;
  /** etcd_peer_url */
  peerUrl: string;
}

export interface LeftOut {
  member: MemberInfo;
  /** the inventory host that is this member but is not in the run (left out by --limit) */
  host?: string;
}

function isMember(m: MemberInfo, h: RunHost): boolean {
  return (m.name !== '' && m.name === h.name) || m.peerUrls.includes(h.peerUrl);
}

/**
 * Members matched to no host of the run (by name, else peer URL: an unstarted member has no
 * name yet). `inventory` are the other inventory hosts that are members, to tell "left out by
 * --limit" from "not in the inventory".
 */
export function membersLeftOut(members: readonly MemberInfo[], inRun: readonly RunHost[], inventory: readonly RunHost[]): LeftOut[] {
  return members
    .filter((m) => !inRun.some((h) => isMember(m, h)))
    .map((m) => ({ member: m, host: inventory.find((h) => isMember(m, h))?.host }))
    // the API lists members by id: named in a stable, readable order instead
    .sort((a, b) => (a.host ?? a.member.name ?? a.member.id).localeCompare(b.host ?? b.member.name ?? b.member.id));
}

function label(m: MemberInfo): string {
  return `${m.name || `unstarted member ${m.id}`} (${m.peerUrls.join(',')})`;
}

/** what is wrong and what to do, in one message */
export function leftOutMessage(leftOut: readonly LeftOut[], total: number, answeredBy: string, what: string): string {
  const limited = leftOut.filter((l) => l.host !== undefined);
  const unknown = leftOut.filter((l) => l.host === undefined);
  const parts = [`the running cluster has ${total} members (as ${answeredBy} answers) and this run leaves out ${leftOut.length}:`];
  if (limited.length) parts.push(`${limited.map((l) => `${l.host} [${label(l.member)}]`).join(', ')} ${limited.length === 1 ? 'is' : 'are'} in the inventory but not in this run (--limit or the play's hosts);`);
  if (unknown.length) parts.push(`${unknown.map((l) => label(l.member)).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not in the inventory;`);
  const todo = [];
  if (limited.length) todo.push('run without --limit (or with one that names every member)');
  if (unknown.length) todo.push('add every member to the inventory with its etcd_name and etcd_peer_url');
  todo.push('or, if a member is gone for good, remove it from the cluster first (etcdctl member remove ID)');
  parts.push(`${what}. To go on: ${todo.join('; ')}`);
  return parts.join(' ');
}
