/**
 * Writing and reading etcd data in a sandbox with the etcdctl of the hosts themselves (inside
 * the host, without ssh), and looking at members and data dirs there: independent of runbook's
 * own etcd client, modules and transport, so tests can check what a runbook did.
 */
import { type Sandbox, type SandboxHost, shellQuote } from './sandbox.js';

type HostRef = string | SandboxHost;

/** PIDs of live etcd processes in a host (a zombie its init has not reaped yet is not running) */
export const ETCD_PIDS = `ps -eo pid=,stat=,comm= | awk '$3 == "etcd" && $2 !~ /^Z/ {print $1}' | sort | tr '\\n' ' '`;

/** etcd refuses a transaction with more operations than this (--max-txn-ops, 128 by default) */
const TXN_BATCH = 100;

/** `ETCDCTL_API=3 etcdctl` with the host's own client URL and, with TLS, its client certificate */
export function etcdctlCommand(sb: Sandbox, host: HostRef, args: string[]): string {
  const h = sb.host(host);
  if (!h.etcd || !sb.cluster.etcd) throw new Error(`sandbox '${sb.name}' runs no etcd`);
  const flags = [`--endpoints=${h.etcd.clientUrl}`];
  const t = sb.cluster.etcd.hostTlsFiles;
  if (t) flags.push(`--cacert=${t.ca}`, `--cert=${t.cert}`, `--key=${t.key}`);
  return ['ETCDCTL_API=3', 'etcdctl', ...[...flags, ...args].map(shellQuote)].join(' ');
}

/** n distinct keys under prefix with distinct values (the tag makes values differ between calls) */
export function makeEntries(prefix: string, n: number, tag: string): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < n; i++) m.set(`${prefix}/key-${String(i).padStart(5, '0')}`, `value-${i}-${tag}`);
  return m;
}

/** puts every entry in transactions of 100; keys and values must not contain whitespace */
export async function putEntries(sb: Sandbox, host: HostRef, entries: Map<string, string>): Promise<void> {
  const all = [...entries];
  for (const [k, v] of all) {
    if (/\s|"/.test(k + v)) throw new Error(`putEntries: "${k}" / "${v}" would need quoting in a txn`);
  }
  for (let i = 0; i < all.length; i += TXN_BATCH) {
    const batch = all.slice(i, i + TXN_BATCH);
    // no compares, the puts as success operations, no failure operations
    const input = `\n${batch.map(([k, v]) => `put ${k} ${v}`).join('\n')}\n\n\n`;
    const r = await sb.hostExec(host, etcdctlCommand(sb, host, ['txn']), { input, allowFail: true });
    const oks = r.stdout.split('\n').filter((l) => l.trim() === 'OK').length;
    if (r.code !== 0 || !r.stdout.startsWith('SUCCESS') || oks !== batch.length) {
      throw new Error(`etcdctl txn on ${sb.host(host).inventoryName} (keys ${i}..${i + batch.length - 1}) failed: exit ${r.code}\n${r.stdout.slice(0, 500)}\n${r.stderr}`);
    }
  }
}

/** `systemctl stop etcd`, then waits until no live etcd process is left in the host */
export async function stopEtcd(sb: Sandbox, host: HostRef): Promise<void> {
  await sb.hostExec(
    host,
    `systemctl stop etcd
for i in $(seq 1 300); do [ -z "$(${ETCD_PIDS})" ] && exit 0; sleep 0.2; done
echo "etcd still runs: $(${ETCD_PIDS})" >&2; exit 1`,
    { timeoutMs: 180_000 },
  );
}

export async function putKey(sb: Sandbox, host: HostRef, key: string, value: string): Promise<void> {
  const r = await sb.hostExec(host, etcdctlCommand(sb, host, ['put', key, value]), { allowFail: true });
  if (r.code !== 0 || r.stdout.trim() !== 'OK') throw new Error(`etcdctl put ${key} on ${sb.host(host).inventoryName} failed: exit ${r.code}\n${r.stdout}${r.stderr}`);
}

interface GetJson {
  kvs?: Array<{ key: string; value?: string }>;
}

const b64 = (s: string | undefined): string => Buffer.from(s ?? '', 'base64').toString('utf8');

/**
 * Every key under prefix with its value. `serializable` reads the member's own copy of the data
 * (no quorum round trip), so the answer is about that member.
 */
export async function getPrefix(sb: Sandbox, host: HostRef, prefix: string, opts: { serializable?: boolean } = {}): Promise<Map<string, string>> {
  const args = ['get', '--prefix', prefix, '-w', 'json'];
  if (opts.serializable) args.push('--consistency=s');
  const r = await sb.hostExec(host, etcdctlCommand(sb, host, args), { allowFail: true, timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`etcdctl get --prefix ${prefix} on ${sb.host(host).inventoryName} failed: exit ${r.code}\n${r.stderr}`);
  const j = JSON.parse(r.stdout) as GetJson;
  return new Map((j.kvs ?? []).map((kv) => [b64(kv.key), b64(kv.value)]));
}

/** the value of one key, or undefined when it does not exist */
export async function getKey(sb: Sandbox, host: HostRef, key: string, opts: { serializable?: boolean } = {}): Promise<string | undefined> {
  const args = ['get', key, '-w', 'json'];
  if (opts.serializable) args.push('--consistency=s');
  const r = await sb.hostExec(host, etcdctlCommand(sb, host, args), { allowFail: true });
  if (r.code !== 0) throw new Error(`etcdctl get ${key} on ${sb.host(host).inventoryName} failed: exit ${r.code}\n${r.stderr}`);
  const kv = (JSON.parse(r.stdout) as GetJson).kvs?.find((x) => b64(x.key) === key);
  return kv ? b64(kv.value) : undefined;
}

/** member and cluster IDs are 64-bit: keep them as strings instead of losing digits in JSON.parse */
function parseWithBigIds<T>(text: string): T {
  return JSON.parse(text.replace(/([:[,]\s*)(\d{16,})(?=\s*[,}\]])/g, '$1"$2"')) as T;
}

export interface EndpointStatus {
  endpoint: string;
  memberId: string;
  leader: string;
  clusterId: string;
  revision: number;
}

export interface MemberInfo {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
}

export async function endpointStatuses(sb: Sandbox, host: HostRef): Promise<EndpointStatus[]> {
  const r = await sb.hostExec(host, etcdctlCommand(sb, host, ['endpoint', 'status', '--cluster', '-w', 'json']), { allowFail: true });
  if (r.code !== 0) throw new Error(`etcdctl endpoint status --cluster on ${sb.host(host).inventoryName}: exit ${r.code}\n${r.stdout}${r.stderr}`);
  type Raw = { Endpoint: string; Status: { header: { cluster_id: string; member_id: string; revision: number }; leader: string } };
  return parseWithBigIds<Raw[]>(r.stdout).map((s) => ({
    endpoint: s.Endpoint,
    memberId: String(s.Status.header.member_id),
    leader: String(s.Status.leader),
    clusterId: String(s.Status.header.cluster_id),
    revision: s.Status.header.revision,
  }));
}

export async function memberList(sb: Sandbox, host: HostRef): Promise<MemberInfo[]> {
  const r = await sb.hostExec(host, etcdctlCommand(sb, host, ['member', 'list', '-w', 'json']), { allowFail: true });
  if (r.code !== 0) throw new Error(`etcdctl member list on ${sb.host(host).inventoryName}: exit ${r.code}\n${r.stdout}${r.stderr}`);
  const j = parseWithBigIds<{ members?: Array<{ ID: string; name?: string; peerURLs?: string[]; clientURLs?: string[] }> }>(r.stdout);
  return (j.members ?? []).map((m) => ({ id: String(m.ID), name: m.name ?? '', peerURLs: m.peerURLs ?? [], clientURLs: m.clientURLs ?? [] }));
}

export interface ClusterView {
  clusterId: string;
  leader: string;
  members: MemberInfo[];
  statuses: EndpointStatus[];
}

/**
 * Throws unless every host of the sandbox is a started member (name and client URL known to
 * the cluster), every member answers `endpoint health`, all report one cluster ID, and exactly
 * one of them is the leader that all of them follow.
 */
export async function checkCluster(sb: Sandbox): Promise<ClusterView> {
  const first = sb.hosts[0]!;
  const members = await memberList(sb, first);
  const want = sb.hosts.map((h) => h.etcd!.name).sort();
  const started = members.filter((m) => m.name !== '' && m.clientURLs.length > 0).map((m) => m.name).sort();
  if (JSON.stringify(started) !== JSON.stringify(want) || members.length !== want.length) {
    throw new Error(`members: ${JSON.stringify(members)}; want started: ${want.join(', ')}`);
  }
  const health = await sb.hostExec(first, etcdctlCommand(sb, first, ['endpoint', 'health', '--cluster']), { allowFail: true });
  if (health.code !== 0) throw new Error(`endpoint health --cluster: exit ${health.code}\n${health.stdout}${health.stderr}`);
  const statuses = await endpointStatuses(sb, first);
  if (statuses.length !== want.length) throw new Error(`endpoint status answered for ${statuses.length} of ${want.length} members`);
  const clusterIds = new Set(statuses.map((s) => s.clusterId));
  const leaders = new Set(statuses.map((s) => s.leader));
  const selfLeaders = statuses.filter((s) => s.memberId === s.leader);
  if (clusterIds.size !== 1) throw new Error(`members report different cluster IDs: ${JSON.stringify(statuses)}`);
  if (leaders.size !== 1 || selfLeaders.length !== 1) throw new Error(`not exactly one leader followed by all: ${JSON.stringify(statuses)}`);
  return { clusterId: statuses[0]!.clusterId, leader: selfLeaders[0]!.memberId, members, statuses };
}

/**
 * Waits for checkCluster to pass; on a timeout the error carries each member's state and the
 * end of its etcd log, so a failure can be understood after the sandbox is gone.
 */
export async function waitHealthy(sb: Sandbox, what: string, timeoutMs = 90_000): Promise<ClusterView> {
  try {
    return await eventually(what, () => checkCluster(sb), timeoutMs);
  } catch (err) {
    const notes = await Promise.all(
      sb.hosts.map(async (h) => {
        const r = await sb
          .hostExec(h, `echo "etcd: $(systemctl is-active etcd) pids: $(${ETCD_PIDS})"; tail -n 12 /var/log/journal/etcd.service.log 2>/dev/null | cut -c1-400`, { allowFail: true })
          .catch((e: unknown) => ({ stdout: String(e) }));
        return `--- ${h.inventoryName}: ${r.stdout}`;
      }),
    );
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${notes.join('\n')}`);
  }
}

/** retries fn until it returns without throwing; rethrows its last error after timeoutMs */
export async function eventually<T>(what: string, fn: () => Promise<T>, timeoutMs = 60_000, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** eventually, for a check that answers undefined while what it waits for has not happened */
export function eventuallyDefined<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  return eventually(
    what,
    async () => {
      const v = await fn();
      if (v === undefined) throw new Error('not yet');
      return v;
    },
    timeoutMs,
  );
}

/** every member answers `endpoint health --cluster`, asked from the first host */
export async function allMembersHealthy(sb: Sandbox, timeoutMs = 90_000): Promise<void> {
  await eventuallyDefined(
    'every member healthy',
    async () => {
      const r = await sb.etcdctl(sb.hosts[0]!.inventoryName, ['endpoint', 'health', '--cluster']);
      // etcdctl 3.4 prints the health lines on stderr
      return r.code === 0 && (`${r.stdout}${r.stderr}`.match(/is healthy/g) ?? []).length === sb.hosts.length ? true : undefined;
    },
    timeoutMs,
  );
}

export interface MemberDiskState {
  /** `systemctl is-active etcd` */
  active: string;
  /** PIDs of etcd processes in the host: the same PID means etcd was not restarted */
  etcdPids: string;
  /** every entry under /var/lib/etcd (the data dir's parent) with inode, type and size */
  listing: string[];
}

/**
 * What a restore would change on a member, for before/after comparisons: whether etcd runs and
 * as which process, and every file under the data dir's parent with its inode (a data dir moved
 * aside and restored gets new inodes), type and size (not the bolt db's size). Mtimes are left
 * out on purpose: the comparison must not depend on timing.
 */
export async function memberDiskState(sb: Sandbox, host: HostRef, dataDir = '/var/lib/etcd/default'): Promise<MemberDiskState> {
  const parent = dataDir.replace(/\/[^/]+\/?$/, '') || '/';
  const r = await sb.hostExec(
    host,
    [
      `echo "active=$(systemctl is-active etcd)"`,
      `echo "pids=$(${ETCD_PIDS})"`,
      `find ${shellQuote(parent)} -xdev -mindepth 1 -printf '%i %y %s %P\\n' | sort -k4`,
    ].join('\n'),
    { allowFail: true },
  );
  const lines = r.stdout.split('\n').filter(Boolean);
  const active = lines.find((l) => l.startsWith('active='))?.slice('active='.length) ?? '';
  const etcdPids = (lines.find((l) => l.startsWith('pids='))?.slice('pids='.length) ?? '').trim();
  const listing = lines
    .filter((l) => !l.startsWith('active=') && !l.startsWith('pids='))
    // bolt may grow its file when a leader change is applied; its inode is what tells a swap
    .map((l) => l.replace(/^(\d+ f )\d+( .*member\/snap\/db)$/, '$1-$2'));
  return { active, etcdPids, listing };
}

/** names in the data dir's parent, e.g. ['default', 'default.pre-restore-<run id>'] */
export async function dataDirNeighbours(sb: Sandbox, host: HostRef, dataDir = '/var/lib/etcd/default'): Promise<string[]> {
  const parent = dataDir.replace(/\/[^/]+\/?$/, '') || '/';
  const r = await sb.hostExec(host, `ls -A ${shellQuote(parent)}`);
  return r.stdout.split('\n').filter(Boolean).sort();
}

/** the inode of a path on the host ('' when it does not exist) */
export async function inodeOf(sb: Sandbox, host: HostRef, path: string): Promise<string> {
  const r = await sb.hostExec(host, `stat -c %i ${shellQuote(path)} 2>/dev/null || true`);
  return r.stdout.trim();
}

/** The host whose member leads, asked of each member in turn (ids as strings: they exceed 2^53). */
export async function leaderHost(sb: Sandbox): Promise<string> {
  for (const { inventoryName: h } of sb.hosts) {
    const r = await sb.etcdctl(h, ['endpoint', 'status', '-w', 'json']);
    const raw = r.stdout.replace(/"(member_id|leader)":(\d+)/g, '"$1":"$2"');
    const m = /"member_id":"(\d+)".*?"leader":"(\d+)"/s.exec(raw);
    if (m && m[1] === m[2]) return h;
  }
  throw new Error('no member leads');
}
