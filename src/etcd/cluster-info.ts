/**
 * Read-only views of a member and the cluster through one connection: member list, status,
 * health. Shared by etcd_status, etcd_members, etcd_health and etcd_wait_healthy.
 */
import type { IAlarmMember } from 'etcd3';
import { callOptions, type EtcdConnection } from './client.js';
import { memberIdFromDecimal } from './member-id.js';

export interface MemberInfo {
  /** 16 hex digits, as etcdctl prints */
  id: string;
  /** empty until the member has started once */
  name: string;
  peerUrls: string[];
  clientUrls: string[];
  isLearner: boolean;
  started: boolean;
}

/**
 * Linearizable by default, so decisions (is it a member? is it a learner?) never rest on a stale
 * list: etcd 3.5+ does that itself; 3.4 ignores the flag and answers from the member's own copy,
 * so a linearizable read first makes the member catch up with everything committed, membership
 * changes included. `linearizable: false` still answers without a leader.
 */
export async function listMembers(
  conn: EtcdConnection,
  timeoutMs: number,
  opts: { linearizable?: boolean } = {},
): Promise<{ clusterId: string; members: MemberInfo[] }> {
  const linearizable = opts.linearizable ?? true;
  if (linearizable) {
    await conn.client.kv.range({ key: Buffer.from('health'), serializable: false, count_only: true }, callOptions(timeoutMs)).catch((e: unknown) => {
      if (!(isPermissionDenied(e))) throw e;
    });
  }
  const r = await conn.client.cluster.memberList({ linearizable }, callOptions(timeoutMs));
  return {
    clusterId: memberIdFromDecimal(r.header.cluster_id),
    members: r.members.map((m) => ({
      id: memberIdFromDecimal(m.ID),
      name: m.name,
      peerUrls: [...m.peerURLs],
      clientUrls: [...m.clientURLs],
      isLearner: m.isLearner,
      started: m.name !== '',
    })),
  };
}

export interface Alarm {
  memberId: string;
  /** as etcdctl prints it: NOSPACE, CORRUPT */
  alarm: string;
  /** the API's name for it, needed to disarm it */
  type: IAlarmMember['alarm'];
}

export async function listAlarms(conn: EtcdConnection, timeoutMs: number): Promise<Alarm[]> {
  const r = await conn.client.maintenance.alarm({ action: 'Get', memberID: 0, alarm: 'None' }, callOptions(timeoutMs));
  return r.alarms.map((a) => ({ memberId: memberIdFromDecimal(a.memberID), alarm: String(a.alarm).toUpperCase(), type: a.alarm }));
}

export function formatAlarm(a: Alarm): string {
  return `memberID:${a.memberId} alarm:${a.alarm}`;
}

export interface MemberStatus {
  url: string;
  memberId: string;
  clusterId: string;
  leaderId: string;
  isLeader: boolean;
  isLearner: boolean;
  revision: number;
  raftTerm: number;
  raftIndex: number;
  raftAppliedIndex: number;
  dbSize: number;
  dbSizeInUse: number;
  version: string;
  /** alarm and health messages the member itself reports */
  errors: string[];
}

export async function memberStatus(conn: EtcdConnection, timeoutMs: number): Promise<MemberStatus> {
  const s = await conn.client.maintenance.status(callOptions(timeoutMs));
  const memberId = memberIdFromDecimal(s.header.member_id);
  const leaderId = s.leader === '0' ? '' : memberIdFromDecimal(s.leader);
  return {
    url: conn.url,
    memberId,
    clusterId: memberIdFromDecimal(s.header.cluster_id),
    leaderId,
    isLeader: leaderId !== '' && leaderId === memberId,
    isLearner: Boolean(s.isLearner),
    revision: Number(s.header.revision),
    raftTerm: Number(s.raftTerm),
    raftIndex: Number(s.raftIndex),
    raftAppliedIndex: Number(s.raftAppliedIndex ?? 0),
    dbSize: Number(s.dbSize),
    dbSizeInUse: Number(s.dbSizeInUse ?? 0),
    version: s.version,
    errors: [...(s.errors ?? [])],
  };
}

export interface HealthResult {
  url: string;
  healthy: boolean;
  tookMs: number;
  error?: string;
}

/**
 * Healthy as `etcdctl endpoint health` (3.5) judges it: a linearizable read succeeds (it needs
 * a leader and a quorum) and no alarm is raised. Permission denied still proves the read path.
 */
export async function checkHealth(conn: EtcdConnection, timeoutMs: number): Promise<HealthResult> {
  const read = await checkLinearizableRead(conn, timeoutMs);
  if (!read.healthy) return read;
  const tookMs = read.tookMs;
  try {
    const alarms = await listAlarms(conn, timeoutMs);
    if (alarms.length > 0) {
      return { url: conn.url, healthy: false, tookMs, error: `active alarm(s): ${alarms.map(formatAlarm).join(', ')}` };
    }
  } catch (e) {
    return { url: conn.url, healthy: false, tookMs, error: (e as Error).message };
  }
  return { url: conn.url, healthy: true, tookMs };
}

/**
 * Only the read half of checkHealth: the member is in the cluster and reaches the leader.
 * Alarms do not matter here, e.g. when choosing a member to hand leadership to under NOSPACE.
 */
export async function checkLinearizableRead(conn: EtcdConnection, timeoutMs: number): Promise<HealthResult> {
  const start = Date.now();
  try {
    await conn.client.kv.range({ key: Buffer.from('health'), serializable: false }, callOptions(timeoutMs));
  } catch (e) {
    if (!(isPermissionDenied(e))) {
      return { url: conn.url, healthy: false, tookMs: Date.now() - start, error: (e as Error).message };
    }
  }
  return { url: conn.url, healthy: true, tookMs: Date.now() - start };
}

/**
 * The member list for reports: linearizable when the cluster can answer that, else the
 * member's own copy (without a leader, that is all there is, and it is what an operator needs).
 */
export async function listMembersForReport(
  conn: EtcdConnection,
  timeoutMs: number,
): Promise<{ clusterId: string; members: MemberInfo[]; linearizable: boolean }> {
  try {
    return { ...(await listMembers(conn, timeoutMs)), linearizable: true };
  } catch {
    return { ...(await listMembers(conn, timeoutMs, { linearizable: false })), linearizable: false };
  }
}

/** etcd3's EtcdPermissionDeniedError, recognised without loading etcd3 at start-up */
function isPermissionDenied(e: unknown): boolean {
  return e instanceof Error && e.constructor.name === 'EtcdPermissionDeniedError';
}
