/**
 * What diagnose reads on a member's host with plain shell commands over its SSH connection
 * (nothing is installed; every value reaching the shell is quoted):
 *
 * - `sampleScript`, run at both ends of the window: the host's clock, the `cpu` line of
 *   /proc/stat (iowait), every process's written bytes (/proc/PID/io), and the etcd process's
 *   command line and environment (its flags: heartbeat, election timeout, certificates, metrics URL);
 * - `detailScript`, run once during the window: the service state, free space where the data
 *   dir and / are, a short `dd oflag=dsync` probe next to the data dir (its file is removed at
 *   once), TCP connect times to the peers, certificate end dates, the seeds' log lines, and on
 *   kubeadm hosts the controller-manager's and kubelet's node-status settings.
 *
 * Each line of output is `key=value`; the parsers below are pure and tested as tables.
 */
import { quote } from '../transport/shell-quote.js';
import { environOf, splitNul } from '../etcd/modules/config-text.js';

/** the log lines of the seeds, with what each one says about the cause */
export const LOG_PATTERNS: ReadonlyArray<{ pattern: string; means: string }> = [
  { pattern: 'failed to send out heartbeat on time', means: 'the leader could not send heartbeats in time (slow disk, busy CPU or slow network)' },
  { pattern: 'server is likely overloaded', means: 'etcd itself says it is overloaded' },
  { pattern: 'slow fdatasync', means: 'a WAL fsync took over a second' },
  { pattern: 'apply request took too long', means: 'requests took longer than 100 ms to apply' },
  { pattern: 'leader changed', means: 'the leader changed' },
  { pattern: 'database space exceeded', means: 'writes are refused: the space quota is used up' },
  { pattern: 'request cluster ID mismatch', means: 'a peer belongs to another cluster (stale or wiped data dir)' },
];

export interface SampleProbe {
  /** host clock, ms since the epoch */
  nowMs: number;
  /** the `cpu` line of /proc/stat: user nice system idle iowait irq softirq steal */
  cpu: number[];
  /** pid -> bytes written so far */
  writes: Map<number, number>;
  comms: Map<number, string>;
  etcdPid: number;
  argv: string[];
  environ: Record<string, string>;
}

export function sampleScript(unit: string): string {
  return [
    'echo "now=$(date +%s%N)"',
    'echo "cpu=$(head -n 1 /proc/stat)"',
    "grep -H '^write_bytes' /proc/[0-9]*/io 2>/dev/null | sed 's|^/proc/\\([0-9]*\\)/io:write_bytes: *|io=\\1 |'",
    "grep -H . /proc/[0-9]*/comm 2>/dev/null | sed 's|^/proc/\\([0-9]*\\)/comm:|comm=\\1 |'",
    // one etcd process: that is the member (cheaper than asking systemd); several: the unit's
    'pid=$(pgrep -x etcd 2>/dev/null)',
    `case "$pid" in *[!0-9]*) pid=$(systemctl show -p MainPID ${quote(unit)} 2>/dev/null | sed -n 's/^MainPID=//p');; esac`,
    'case "$pid" in 0) pid=;; esac',
    'if [ -n "$pid" ] && [ "$(cat /proc/$pid/comm 2>/dev/null)" != etcd ]; then c=$(pgrep -P "$pid" -x etcd 2>/dev/null | head -n 1); [ -n "$c" ] && pid=$c; fi',
    'if [ -n "$pid" ] && [ -r /proc/$pid/environ ]; then',
    '  echo "pid=$pid"',
    '  echo "cmdline=$(base64 -w 0 < /proc/$pid/cmdline)"',
    '  echo "environ=$(base64 -w 0 < /proc/$pid/environ)"',
    'else echo "pid=0"; fi',
    'exit 0',
  ].join('\n');
}

function lines(stdout: string, key: string): string[] {
  const out: string[] = [];
  const prefix = `${key}=`;
  for (const l of stdout.split('\n')) if (l.startsWith(prefix)) out.push(l.slice(prefix.length));
  return out;
}

function one(stdout: string, key: string): string | undefined {
  return lines(stdout, key)[0];
}

export function parseSample(stdout: string): SampleProbe {
  const writes = new Map<number, number>();
  for (const l of lines(stdout, 'io')) {
    const [pid, bytes] = l.trim().split(/\s+/);
    if (pid && bytes) writes.set(Number(pid), Number(bytes));
  }
  const comms = new Map<number, string>();
  for (const l of lines(stdout, 'comm')) {
    const i = l.indexOf(' ');
    if (i > 0) comms.set(Number(l.slice(0, i)), l.slice(i + 1).trim());
  }
  const b64 = (k: string) => Buffer.from(one(stdout, k) ?? '', 'base64');
  return {
    nowMs: Number(one(stdout, 'now') ?? '0') / 1e6,
    cpu: (one(stdout, 'cpu') ?? '').trim().split(/\s+/).slice(1).map(Number),
    writes,
    comms,
    etcdPid: Number(one(stdout, 'pid') ?? '0') || 0,
    argv: splitNul(b64('cmdline')),
    environ: environOf(splitNul(b64('environ'))),
  };
}

/** iowait's share of all CPU time between two samples, in percent */
export function iowaitPercent(a: readonly number[], b: readonly number[]): number | null {
  if (a.length < 5 || b.length < 5) return null;
  const sum = (xs: readonly number[]) => xs.slice(0, 8).reduce((s, x) => s + (Number.isFinite(x) ? x : 0), 0);
  const dTotal = sum(b) - sum(a);
  if (dTotal <= 0) return null;
  return (100 * (b[4]! - a[4]!)) / dTotal;
}

export function topWriters(a: SampleProbe, b: SampleProbe, seconds: number, n = 3): Array<{ pid: number; comm: string; bytesPerSec: number }> {
  const out: Array<{ pid: number; comm: string; bytesPerSec: number }> = [];
  for (const [pid, after] of b.writes) {
    const before = a.writes.get(pid);
    if (before === undefined) continue;
    const comm = b.comms.get(pid) ?? '?';
    // our own probe is not a workload
    if (comm === 'dd') continue;
    const rate = (after - before) / Math.max(seconds, 0.001);
    if (rate > 0) out.push({ pid, comm, bytesPerSec: Math.round(rate) });
  }
  return out.sort((x, y) => y.bytesPerSec - x.bytesPerSec).slice(0, n);
}

export interface DetailInput {
  unit: string;
  dataDir: string;
  peers: Array<{ name: string; url: string }>;
  peerTls?: { cert: string; key: string };
  certs: Array<{ role: string; path: string }>;
  /** an explicit log file (inventory etcd_log_file) */
  logFile?: string;
  sinceMinutes: number;
  /** 8 KiB synced writes of the disk probe */
  probeWrites: number;
}

export function detailScript(d: DetailInput): string {
  const grepArgs = LOG_PATTERNS.map((p) => `-e ${quote(p.pattern)}`).join(' ');
  const logFilter = `grep -F ${grepArgs} | tail -n 2000 | sed 's/^/log=/'`;
  const s: string[] = [
    // systemd is asked only when no etcd process runs (the answer then says stopped or failed)
    `if pgrep -x etcd >/dev/null 2>&1; then echo "active=running"; else echo "active=$(systemctl is-active ${quote(d.unit)} 2>/dev/null | head -n 1)"; fi`,
    // free space: the data dir if it exists, else the closest parent that does
    `p=${quote(d.dataDir)}; while [ ! -e "$p" ] && [ "$p" != / ]; do p=$(dirname "$p"); done`,
    'echo "df=$(df -P -B1 "$p" 2>/dev/null | tail -n 1)"',
    'echo "dfroot=$(df -P -B1 / 2>/dev/null | tail -n 1)"',
    // the synced-write probe, next to the data dir so it hits the same file system
    // (the data dir itself when its parent is on another file system: a data dir that is a mount of its own)
    `pd=$(dirname ${quote(d.dataDir)}); [ -d "$pd" ] || pd=$p`,
    '[ "$(stat -c %d "$pd" 2>/dev/null)" = "$(stat -c %d "$p" 2>/dev/null)" ] || pd=$p',
    'f="$pd/.runbook-diagnose-probe.$$"',
    // four runs, each timed: the best run is the disk, a worse one may be a moment of contention
    `n=${Math.max(1, Math.floor(d.probeWrites / 4))}`,
    ...(d.probeWrites > 0
      ? [
          'for i in 1 2 3 4; do s=$(date +%s%N); if timeout 5 dd if=/dev/zero of="$f" bs=8k count=$n oflag=dsync 2>"$f.err"; then e=$(date +%s%N); echo "probe=$(( (e - s) / 1000 / n ))"; else echo "probeerr=$(tail -n 1 "$f.err" 2>/dev/null)"; break; fi; done',
        ]
      : []),
    'rm -f "$f" "$f.err"',
  ];
  // the member's own peer certificate, when peers require one: GET /version needs it to get an answer
  // (HTTP/1.1: etcd's peer port does not answer an HTTP/2 request negotiated over TLS)
  const certArgs = d.peerTls ? `--cert ${quote(d.peerTls.cert)} --key ${quote(d.peerTls.key)}` : '';
  for (const peer of d.peers) {
    const u = new URL(peer.url);
    const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = u.port || '2380';
    s.push(
      `for i in 1 2 3; do`,
      `  if command -v curl >/dev/null 2>&1; then t=$(curl -sk --http1.1 -o /dev/null -w '%{time_connect} %{time_appconnect} %{time_starttransfer}' ${certArgs} --connect-timeout 2 --max-time 3 ${quote(`${u.protocol}//${u.host}/version`)} 2>/dev/null); echo "rtt=${peer.name} $t"`,
      `  else a=$(date +%s%N); if timeout 2 bash -c ${quote(`exec 3<>/dev/tcp/${host}/${port}`)} 2>/dev/null; then b=$(date +%s%N); echo "rtt=${peer.name} $(( (b - a) / 1000 ))us"; fi; fi`,
      'done',
    );
  }
  for (const c of d.certs) {
    s.push(`if [ -e ${quote(c.path)} ]; then echo "cert=${c.role} ${c.path} $(openssl x509 -noout -enddate -in ${quote(c.path)} 2>&1 | head -n 1)"; else echo "cert=${c.role} ${c.path} missing"; fi`);
  }
  // the member's recent log: an explicit file, else journald, else the usual files
  const unitLog = `/var/log/journal/${d.unit}.log`;
  if (d.logFile !== undefined) {
    s.push(`echo "logsrc=${d.logFile}"`, `tail -n 20000 ${quote(d.logFile)} 2>/dev/null | ${logFilter}`);
  } else {
    s.push(
      `if command -v journalctl >/dev/null 2>&1 && [ -n "$(journalctl -u ${quote(d.unit)} -n 1 -q --no-pager 2>/dev/null)" ]; then`,
      `  echo "logsrc=journalctl -u ${d.unit}"; journalctl -u ${quote(d.unit)} --since ${quote(`-${d.sinceMinutes}min`)} --no-pager -o short-iso 2>/dev/null | ${logFilter}`,
      `elif [ -f ${quote(unitLog)} ]; then echo "logsrc=${unitLog}"; tail -n 20000 ${quote(unitLog)} | ${logFilter}`,
      `elif ls /var/log/pods/kube-system_etcd-*/etcd/*.log >/dev/null 2>&1; then echo "logsrc=/var/log/pods (etcd static pod)"; cat /var/log/pods/kube-system_etcd-*/etcd/*.log | tail -n 20000 | ${logFilter}`,
      `elif [ -f /var/log/etcd.log ]; then echo "logsrc=/var/log/etcd.log"; tail -n 20000 /var/log/etcd.log | ${logFilter}`,
      'fi',
    );
  }
  s.push(
    // etcd as a kubeadm static pod: no unit to start; the kubelet runs what its manifest dir holds
    'if [ -d /etc/kubernetes/manifests ] && { [ -f /etc/kubernetes/manifests/etcd.yaml ] || [ -f /var/lib/kubelet/config.yaml ] || systemctl cat kubelet >/dev/null 2>&1; }; then',
    '  echo "podmanifests=/etc/kubernetes/manifests"',
    '  [ -f /etc/kubernetes/manifests/etcd.yaml ] && echo "etcdmanifest=/etc/kubernetes/manifests/etcd.yaml"',
    '  echo "kubeletactive=$(systemctl is-active kubelet 2>/dev/null | head -n 1)"',
    'fi',
    'm=/etc/kubernetes/manifests/kube-controller-manager.yaml',
    'if [ -f "$m" ]; then echo "kcm=$m"; echo "grace=$(grep -o -- "--node-monitor-grace-period=[^\\"[:space:]]*" "$m" | head -n 1 | cut -d= -f2)"; fi',
    'k=/var/lib/kubelet/config.yaml',
    'if [ -f "$k" ]; then echo "kubelet=$k"; echo "nsuf=$(sed -n "s/^nodeStatusUpdateFrequency:[[:space:]]*//p" "$k" | head -n 1 | tr -d \\"\\\')"; fi',
    'exit 0',
  );
  return s.join('\n');
}

export interface DetailProbe {
  active: string | null;
  df: { mount: string; size: number; free: number } | null;
  dfRoot: { mount: string; size: number; free: number } | null;
  /** microseconds per synced write, one value per dd run */
  probeMicros: number[];
  probeError?: string;
  /** peer name -> TCP connect times in ms */
  rtt: Map<string, number[]>;
  /** peer name -> HTTP request round trips (GET /version on the peer URL, first byte after the connection was ready) in ms */
  httpRtt: Map<string, number[]>;
  certs: Array<{ role: string; path: string; notAfter: string | null; error?: string }>;
  logSource: string | null;
  logLines: string[];
  kcm: string | null;
  gracePeriod: string | null;
  kubelet: string | null;
  nodeStatusUpdateFrequency: string | null;
  /** the kubelet's static-pod dir, when this host has one (a kubeadm host) */
  podManifests: string | null;
  /** etcd's static-pod manifest, when it is in that dir */
  etcdManifest: string | null;
  /** `systemctl is-active kubelet` on such a host */
  kubeletActive: string | null;
}

function parseDf(line: string | undefined): { mount: string; size: number; free: number } | null {
  if (!line) return null;
  const f = line.trim().split(/\s+/);
  if (f.length < 6) return null;
  return { size: Number(f[1]), free: Number(f[3]), mount: f.slice(5).join(' ') };
}

export function parseDetail(stdout: string): DetailProbe {
  const rtt = new Map<string, number[]>();
  const httpRtt = new Map<string, number[]>();
  const add = (m: Map<string, number[]>, k: string, v: number) => m.set(k, [...(m.get(k) ?? []), v]);
  for (const l of lines(stdout, 'rtt')) {
    const [name, t, app, first] = l.trim().split(/\s+/);
    if (!name || !t) continue;
    const ms = t.endsWith('us') ? Number(t.slice(0, -2)) / 1000 : Number(t) * 1000;
    // curl prints 0.000000 when it could not connect at all
    if (!Number.isFinite(ms) || ms <= 0) continue;
    add(rtt, name, ms);
    const ready = Math.max(Number(app ?? 0), Number(t)) * 1000;
    const firstByte = Number(first ?? 0) * 1000;
    if (Number.isFinite(firstByte) && firstByte > ready) add(httpRtt, name, firstByte - ready);
  }
  const certs = lines(stdout, 'cert').map((l) => {
    const [role, path, ...rest] = l.split(' ');
    const text = rest.join(' ');
    const m = /notAfter=(.*)$/.exec(text);
    return m ? { role: role!, path: path!, notAfter: m[1]!.trim() } : { role: role!, path: path!, notAfter: null, error: text.trim() || 'unreadable' };
  });
  const empty = (v: string | undefined) => (v === undefined || v.trim() === '' ? null : v.trim());
  return {
    active: empty(one(stdout, 'active')),
    df: parseDf(one(stdout, 'df')),
    dfRoot: parseDf(one(stdout, 'dfroot')),
    probeMicros: lines(stdout, 'probe').map(Number).filter((x) => Number.isFinite(x) && x > 0),
    probeError: one(stdout, 'probeerr'),
    rtt,
    httpRtt,
    certs,
    logSource: empty(one(stdout, 'logsrc')),
    logLines: lines(stdout, 'log'),
    kcm: empty(one(stdout, 'kcm')),
    gracePeriod: empty(one(stdout, 'grace')),
    kubelet: empty(one(stdout, 'kubelet')),
    nodeStatusUpdateFrequency: empty(one(stdout, 'nsuf')),
    podManifests: empty(one(stdout, 'podmanifests')),
    etcdManifest: empty(one(stdout, 'etcdmanifest')),
    kubeletActive: empty(one(stdout, 'kubeletactive')),
  };
}
