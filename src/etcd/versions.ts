/**
 * Which etcd, etcdctl and etcdutl a host has. The offline commands (snapshot restore/status)
 * moved from etcdctl to etcdutl in 3.5 and were removed from etcdctl in 3.6, so the tool is
 * chosen from what is installed, not assumed.
 *
 *   parseVersionProbe('== etcdctl /usr/bin/etcdctl\netcdctl version: 3.4.23\n...')
 *     -> {etcdctl: {path: '/usr/bin/etcdctl', version: '3.4.23'}}
 */
import { quote } from '../transport/shell-quote.js';
import type { Become, Transport } from '../transport/types.js';

export interface ToolVersion {
  path: string;
  version: string;
}

export interface EtcdVersions {
  etcd?: ToolVersion;
  etcdctl?: ToolVersion;
  etcdutl?: ToolVersion;
}

export interface ToolNames {
  etcd: string;
  etcdctl: string;
  etcdutl: string;
}

const TOOLS = ['etcd', 'etcdctl', 'etcdutl'] as const;

/** one shell script that reports every tool: `== NAME PATH` then its version output, `== NAME -` when absent */
export function versionProbeCommand(names: ToolNames): string {
  return [
    // etcdctl 3.4 defaults to API v3, but older hosts print nothing useful without it
    'export ETCDCTL_API=3',
    'probe() { p=$(command -v "$2" 2>/dev/null) || { echo "== $1 -"; return 0; }; echo "== $1 $p"; shift 2; "$p" "$@" 2>&1 | head -n 5; }',
    `probe etcd ${quote(names.etcd)} --version`,
    `probe etcdctl ${quote(names.etcdctl)} version`,
    `probe etcdutl ${quote(names.etcdutl)} version`,
  ].join('\n');
}

export function parseVersionProbe(stdout: string): EtcdVersions {
  const out: EtcdVersions = {};
  const sections = stdout.split(/^== /m).slice(1);
  for (const section of sections) {
    const [head = '', ...body] = section.split('\n');
    const m = /^(\S+) (.+)$/.exec(head.trim());
    if (!m) continue;
    const tool = m[1] as (typeof TOOLS)[number];
    const path = m[2]!;
    if (!TOOLS.includes(tool) || path === '-') continue;
    // "etcd Version: 3.4.23", "etcdctl version: 3.5.9", "etcdutl version: 3.5.9"
    const v = /version:\s*v?(\d+\.\d+\.\d+\S*)/i.exec(body.join('\n'));
    if (v) out[tool] = { path, version: v[1]! };
  }
  return out;
}

/** numeric comparison of dotted versions, ignoring pre-release suffixes: compareVersions('3.5.0', '3.4.23') > 0 */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/).slice(0, 3).map((x) => parseInt(x, 10) || 0);
  const pb = b.split(/[.+-]/).slice(0, 3).map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function atLeast(version: string, min: string): boolean {
  return compareVersions(version, min) >= 0;
}

const cache = new WeakMap<Transport, Map<string, Promise<EtcdVersions>>>();

/**
 * Versions on the host behind `transport`, probed once per connection (so once per run).
 * `refresh` probes again, e.g. after an upgrade.
 */
export function detectEtcdVersions(
  transport: Transport,
  names: ToolNames,
  opts: { become?: Become | false; refresh?: boolean; signal?: AbortSignal } = {},
): Promise<EtcdVersions> {
  let perHost = cache.get(transport);
  if (!perHost) {
    perHost = new Map();
    cache.set(transport, perHost);
  }
  const key = `${names.etcd}\0${names.etcdctl}\0${names.etcdutl}`;
  const cached = perHost.get(key);
  if (cached && !opts.refresh) return cached;
  const probe = transport
    .exec(versionProbeCommand(names), { become: opts.become, timeoutMs: 30_000, signal: opts.signal })
    .then((r) => {
      if (r.exitCode !== 0) throw new Error(`${transport.host}: probing etcd versions failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
      return parseVersionProbe(r.stdout);
    });
  perHost.set(key, probe);
  probe.catch(() => perHost!.delete(key));
  return probe;
}
