/**
 * One diagnosis: connect to every member's host as `apply` does, take the first sample on all
 * of them at once, read what needs reading once while the window runs, take the second sample
 * `--window` later, and turn the two into a MemberReport per host. Nothing on the hosts changes;
 * the only file written is the dd probe's, next to the data dir, removed at once.
 */
import { etcdConnectionVia, type EtcdConnection } from '../etcd/client.js';
import { listAlarms, listMembersForReport, memberStatus } from '../etcd/cluster-info.js';
import { etcdHostConfig, type EtcdHostConfig } from '../etcd/host-config.js';
import { effectiveOption, parseFlags, envNameOf } from '../etcd/modules/config-text.js';
import { readTlsMaterial, type TlsMaterial } from '../etcd/tls-files.js';
import type { ConnectedHosts } from '../engine/run.js';
import type { Become, Transport } from '../transport/types.js';
import type { Inventory } from '../inventory/types.js';
import { certFilesOf, daysLeft } from './cert-checks.js';
import { offsetMs } from './clock-checks.js';
import { detailScript, iowaitPercent, parseDetail, parseSample, sampleScript, topWriters, type DetailProbe, type SampleProbe } from './host-probe.js';
import { configuredSeconds, goDurationSeconds } from './kube-checks.js';
import { countLogLines } from './log-checks.js';
import { fetchMetrics } from './metrics-fetch.js';
import { summarizeMetrics } from './metrics-checks.js';
import { parseMetrics, type Sample } from './prometheus-text.js';
import { majorityClusterId } from './etcd-checks.js';
import type { ClusterView, MemberReport, StatusSample } from './types.js';

export interface CollectOptions {
  inventory: Inventory;
  hosts: string[];
  connections: ConnectedHosts;
  windowMs: number;
  logSinceMinutes: number;
  /** 8 KiB synced writes of the dd probe (0: no probe) */
  probeWrites: number;
  callTimeoutMs?: number;
}

interface Snapshot {
  probe?: SampleProbe;
  /** controller clock around the sample command */
  sentAt: number;
  receivedAt: number;
  status?: StatusSample;
  metrics?: Sample[];
  metricsUrl?: string;
  errors: string[];
}

interface HostState {
  host: string;
  config: EtcdHostConfig;
  transport?: Transport;
  become: Become | false;
  tls?: TlsMaterial;
  conn?: EtcdConnection;
  errors: string[];
}

const msg = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

function unitOf(config: EtcdHostConfig): string {
  return config.service.includes('.') ? config.service : `${config.service}.service`;
}

/** the metrics address: --listen-metrics-urls when the member has one, else its client URL */
export function metricsUrlOf(argv: readonly string[], environ: Record<string, string>, clientUrl: string): string {
  const listed = parseFlags(argv).get('listen-metrics-urls') ?? environ[envNameOf('listen-metrics-urls')];
  const first = listed
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .sort((a, b) => Number(a.startsWith('https')) - Number(b.startsWith('https')))[0];
  if (!first) return clientUrl;
  // 0.0.0.0 listens everywhere: the host reaches it on loopback
  return first.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//[::1]:');
}

async function takeSample(s: HostState, timeoutMs: number): Promise<Snapshot> {
  const snap: Snapshot = { sentAt: Date.now(), receivedAt: Date.now(), errors: [] };
  if (!s.transport) return snap;
  const t = s.transport;
  const probe = (async () => {
    snap.sentAt = Date.now();
    const r = await t.exec(sampleScript(unitOf(s.config)), { become: s.become, timeoutMs: 15_000 });
    snap.receivedAt = Date.now();
    if (r.exitCode !== 0) throw new Error(`probe on ${s.host} failed: ${(r.stderr.trim() || r.stdout.trim()).split('\n').slice(-1)[0]}`);
    snap.probe = parseSample(r.stdout);
  })().catch((e) => snap.errors.push(msg(e)));
  const status = (async () => {
    s.conn ??= await etcdConnectionVia(t, s.config, s.become, s.config.clientUrl);
    const st = await memberStatus(s.conn, timeoutMs);
    snap.status = {
      memberId: st.memberId,
      clusterId: st.clusterId,
      leaderId: st.leaderId,
      revision: st.revision,
      raftTerm: st.raftTerm,
      raftIndex: st.raftIndex,
      dbSize: st.dbSize,
      dbSizeInUse: st.dbSizeInUse,
      version: st.version,
      errors: st.errors,
    };
  })().catch((e) => snap.errors.push(`etcd at ${s.config.clientUrl}: ${msg(e)}`));
  await probe;
  // the metrics address depends on the process's flags, read by the probe
  const url = snap.probe ? metricsUrlOf(snap.probe.argv, snap.probe.environ, s.config.clientUrl) : s.config.clientUrl;
  snap.metricsUrl = url;
  const metrics = (async () => {
    const tls = url.startsWith('https') ? (s.tls ??= s.config.tls ? await readTlsMaterial(t, s.config.tls, s.become) : undefined) : undefined;
    snap.metrics = parseMetrics(await fetchMetrics(t, url, tls, timeoutMs));
  })().catch((e) => snap.errors.push(`metrics at ${url}: ${msg(e)}`));
  await Promise.all([status, metrics]);
  return snap;
}

export async function collect(opts: CollectOptions): Promise<{ members: MemberReport[]; cluster: ClusterView }> {
  // generous: the first call also sets up the channel and the TLS session, slow on a busy host
  const timeoutMs = opts.callTimeoutMs ?? 10_000;
  const states: HostState[] = await Promise.all(
    opts.hosts.map(async (host): Promise<HostState> => {
      const config = etcdHostConfig(host, opts.inventory.varsFor(host));
      const b = opts.connections.becomeFor(host);
      // diagnose reads /proc/PID/environ, logs and certificates: root's, through sudo unless logged in as root
      const become: Become | false = b.loginUser === 'root' ? false : { user: 'root', password: b.password };
      const failure = opts.connections.failures.get(host);
      if (failure) return { host, config, become, errors: [failure.message] };
      try {
        return { host, config, become, transport: await opts.connections.get(host), errors: [] };
      } catch (e) {
        return { host, config, become, errors: [msg(e)] };
      }
    }),
  );

  const windowStart = Date.now();
  const first = await Promise.all(states.map((s) => takeSample(s, timeoutMs)));

  // during the window: the things read once, and the cluster's member list and alarms
  const clusterId = majorityClusterId(first.map((f) => f.status?.clusterId));
  const details = Promise.all(
    states.map(async (s, i): Promise<DetailProbe | undefined> => {
      if (!s.transport) return undefined;
      const probe = first[i]!.probe;
      const certs = certFilesOf(probe?.argv ?? [], probe?.environ ?? {}, s.config);
      const script = detailScript({
        unit: unitOf(s.config),
        dataDir: s.config.dataDir,
        peers: states.filter((p) => p.host !== s.host).map((p) => ({ name: p.host, url: p.config.peerUrl })),
        certs,
        peerTls: peerTlsOf(probe?.argv ?? [], probe?.environ ?? {}),
        logFile: typeof opts.inventory.varsFor(s.host).etcd_log_file === 'string' ? (opts.inventory.varsFor(s.host).etcd_log_file as string) : undefined,
        sinceMinutes: opts.logSinceMinutes,
        probeWrites: opts.probeWrites,
      });
      const r = await s.transport.exec(script, { become: s.become, timeoutMs: 60_000 }).catch((e: unknown) => {
        s.errors.push(`checks on ${s.host}: ${msg(e)}`);
        return undefined;
      });
      if (!r) return undefined;
      if (r.exitCode !== 0) s.errors.push(`checks on ${s.host} exited ${r.exitCode}: ${r.stderr.trim().split('\n').slice(-1)[0]}`);
      return parseDetail(r.stdout);
    }),
  );
  const view = (async (): Promise<ClusterView> => {
    const empty: ClusterView = { clusterId, members: [], alarms: [], leaderId: null };
    // the first member of the majority's cluster that answers
    const candidates = states.map((s, j) => j).filter((j) => states[j]!.conn && first[j]!.status?.clusterId === clusterId);
    for (const i of candidates) {
      const conn = states[i]!.conn!;
      try {
        const [list, alarms] = await Promise.all([listMembersForReport(conn, timeoutMs), listAlarms(conn, timeoutMs)]);
        const hostOf = (m: { name: string; peerUrls: readonly string[] }) =>
          states.find((s) => (m.name !== '' && s.config.name === m.name) || m.peerUrls.includes(s.config.peerUrl))?.host ?? null;
        const hostOfId = new Map(list.members.map((m) => [m.id, hostOf(m)]));
        return {
          clusterId,
          members: list.members.map((m) => ({ ...m, host: hostOf(m) })),
          alarms: alarms.map((a) => ({ memberId: a.memberId, alarm: a.alarm, host: hostOfId.get(a.memberId) ?? null })),
          leaderId: first[i]!.status?.leaderId || null,
        };
      } catch (e) {
        states[i]!.errors.push(`member list: ${msg(e)}`);
      }
    }
    return empty;
  })();

  const clocks = Promise.all(states.map((s) => (s.transport ? readClock(s.transport) : Promise.resolve(null))));

  await sleep(Math.max(0, windowStart + opts.windowMs - Date.now()));
  const second = await Promise.all(states.map((s) => takeSample(s, timeoutMs)));
  const [detail, cluster, clock] = await Promise.all([details, view, clocks]);

  const now = Date.now();
  const members = states.map((s, i) => buildReport(s, first[i]!, second[i]!, detail[i], clock[i] ?? null, opts, now));
  return { members, cluster };
}

/**
 * The host's clock against the controller's: three `date` commands, the one with the shortest
 * round trip counts (its reading is the least uncertain: at most half that round trip).
 */
async function readClock(t: Transport): Promise<{ offsetMs: number; uncertaintyMs: number } | null> {
  let best: { offsetMs: number; uncertaintyMs: number } | null = null;
  for (let i = 0; i < 3; i++) {
    const sent = Date.now();
    const r = await t.exec('date +%s%N', { timeoutMs: 5000 }).catch(() => undefined);
    const received = Date.now();
    const hostMs = r && r.exitCode === 0 ? Number(r.stdout.trim()) / 1e6 : NaN;
    if (!Number.isFinite(hostMs) || hostMs <= 0) continue;
    const u = (received - sent) / 2;
    if (!best || u < best.uncertaintyMs) best = { offsetMs: offsetMs(hostMs, sent, received), uncertaintyMs: u };
  }
  return best;
}

function buildReport(
  s: HostState,
  a: Snapshot,
  b: Snapshot,
  d: DetailProbe | undefined,
  clock: { offsetMs: number; uncertaintyMs: number } | null,
  opts: CollectOptions,
  now: number,
): MemberReport {
  const probe = b.probe ?? a.probe;
  const timingOption = (o: string) => {
    if (!probe || probe.argv.length === 0) return null;
    const v = effectiveOption(o, probe.argv, probe.environ).value;
    return v === null ? null : Number(v);
  };
  const seconds = a.probe && b.probe ? (b.probe.nowMs - a.probe.nowMs) / 1000 : opts.windowMs / 1000;
  const metrics = a.metrics && b.metrics ? summarizeMetrics(b.metricsUrl ?? s.config.clientUrl, a.metrics, b.metrics) : null;
  const errors = [...s.errors, ...new Set([...a.errors, ...b.errors])];
  const disk = d
    ? {
        path: s.config.dataDir,
        mount: d.df?.mount ?? null,
        sizeBytes: d.df?.size ?? null,
        freeBytes: d.df?.free ?? null,
        freePercent: d.df && d.df.size > 0 ? (100 * d.df.free) / d.df.size : null,
        probeSyncMs: d.probeMicros.length ? Math.round(Math.min(...d.probeMicros) / 10) / 100 : null,
        probeSyncWorstMs: d.probeMicros.length ? Math.round(Math.max(...d.probeMicros) / 10) / 100 : null,
        probeError: d.probeError,
        iowaitPercent: a.probe && b.probe ? iowaitPercent(a.probe.cpu, b.probe.cpu) : null,
        topWriters: a.probe && b.probe ? topWriters(a.probe, b.probe, seconds) : [],
      }
    : null;
  return {
    host: s.host,
    name: s.config.name,
    address: s.config.clientUrl,
    reachable: { ssh: s.transport !== undefined, etcd: a.status !== undefined || b.status !== undefined, metrics: metrics !== null },
    errors,
    unit: unitOf(s.config),
    service: d?.active ?? null,
    status: { first: a.status ?? null, second: b.status ?? null },
    metrics,
    timing: {
      heartbeatMs: timingOption('heartbeat-interval'),
      electionMs: timingOption('election-timeout'),
      peerConnectRttMs: fastest(d?.rtt),
      peerHttpRttMs: fastest(d?.httpRtt),
    },
    disk,
    root: d?.dfRoot ? { freeBytes: d.dfRoot.free, freePercent: d.dfRoot.size > 0 ? (100 * d.dfRoot.free) / d.dfRoot.size : null } : null,
    clockOffsetMs: clock ? Math.round(clock.offsetMs) : null,
    clockUncertaintyMs: clock ? Math.round(clock.uncertaintyMs) : null,
    certs: (d?.certs ?? []).map((c) => ({ ...c, daysLeft: c.notAfter ? daysLeft(c.notAfter, now) : null })),
    logs: {
      source: d?.logSource ?? null,
      sinceMinutes: opts.logSinceMinutes,
      counts: d ? countLogLines(d.logLines, now - opts.logSinceMinutes * 60_000) : [],
    },
    staticPod: d?.podManifests ? { manifestDir: d.podManifests, etcdManifest: d.etcdManifest, kubelet: d.kubeletActive } : null,
    kube:
      d && (d.kcm || d.kubelet)
        ? { manifest: d.kcm, nodeMonitorGracePeriodS: goDurationSeconds(d.gracePeriod), nodeStatusUpdateFrequencyS: configuredSeconds(d.nodeStatusUpdateFrequency) }
        : null,
  };
}

/** per peer, the fastest of the tries: scheduling delays on a busy host only ever add to a round trip */
function fastest(m: Map<string, number[]> | undefined): Record<string, number> {
  return Object.fromEntries([...(m ?? new Map<string, number[]>())].map(([peer, xs]) => [peer, Math.round(Math.min(...xs) * 100) / 100]));
}

/** the member's peer certificate and key, from its flags or ETCD_* variables */
function peerTlsOf(argv: readonly string[], environ: Record<string, string>): { cert: string; key: string } | undefined {
  const flags = parseFlags(argv);
  const cert = flags.get('peer-cert-file') ?? environ[envNameOf('peer-cert-file')];
  const key = flags.get('peer-key-file') ?? environ[envNameOf('peer-key-file')];
  return cert && key ? { cert, key } : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
