/**
 * Checks of a snapshot file on a host, planned as shell commands so they run where the file is.
 *
 * A snapshot made by the Snapshot RPC (`etcdctl snapshot save`, etcd_snapshot_save) ends with
 * the sha256 of everything before it; `snapshot status` does not look at it, so a truncated
 * copy can still report a revision. We compare it ourselves. A raw `member/snap/db` copy has
 * no such hash (its size is a multiple of the page size) and restores only with
 * --skip-hash-check.
 */
import { quote } from '../transport/shell-quote.js';
import { hostSha256Command, hostSha256OfOutputCommand } from '../modules/lib/checksum.js';
import { offlineCommand, type OfflineTool } from './offline-tool.js';

export const SNAPSHOT_HASH_BYTES = 32;

/** the rule etcd's restore uses to decide that a file carries the appended hash */
export function hasAppendedHash(size: number): boolean {
  return size % 512 === SNAPSHOT_HASH_BYTES;
}

/**
 * What the probe hashes. Each hash is one more read of a file that may be gigabytes, so callers
 * ask only for what they use: `whole` for a comparison with an expected sha256 (`'sidecar'`:
 * only when FILE.sha256 is there to compare with), `body` for etcd's appended hash (the restore
 * skips it: `snapshot restore` verifies that hash itself and refuses a mismatch).
 */
export interface ProbeHashes {
  whole: boolean | 'sidecar';
  body: boolean;
}

export function integrityProbeCommand(file: string, hashes: ProbeHashes = { whole: true, body: true }): string {
  const f = quote(file);
  const wholeWhen = hashes.whole === 'sidecar' ? 'if [ -f "$f.sha256" ]; then ' : hashes.whole ? '' : undefined;
  const lines = [
    `f=${f}`,
    'if [ ! -e "$f" ]; then echo state=missing; exit 0; fi',
    'if [ ! -f "$f" ]; then echo state=notfile; exit 0; fi',
    'size=$(wc -c < "$f") || exit 1',
    'echo size=$size',
    'if [ "$size" -eq 0 ]; then echo state=empty; exit 0; fi',
    'echo state=ok',
  ];
  // through openssl, about 3x faster than sha256sum (see hostSha256Command); in the background,
  // so that the body is hashed at the same time (158 MB: 0.26 s -> 0.18 s). Each line is one
  // short write, so the two never interleave within a line.
  if (wholeWhen !== undefined) {
    lines.push(`{ ${wholeWhen}w=$(${hostSha256Command(file)}) && echo sha256=\${w%% *}${wholeWhen ? '; fi' : ''}; } &`, 'whole=$!');
  }
  if (hashes.body) {
    lines.push(
      `if [ "$size" -gt ${SNAPSHOT_HASH_BYTES} ]; then`,
      `  b=$(${hostSha256OfOutputCommand(`head -c $((size - ${SNAPSHOT_HASH_BYTES})) "$f"`)})`,
      '  echo body_sha256=${b%% *}',
      `  echo tail=$(tail -c ${SNAPSHOT_HASH_BYTES} "$f" | od -An -v -tx1 | tr -d " \\n")`,
      'fi',
    );
  }
  if (wholeWhen !== undefined) lines.push('wait $whole');
  lines.push('if [ -f "$f.sha256" ]; then echo sidecar=$(head -n 1 "$f.sha256" | cut -d" " -f1); fi');
  return lines.join('\n');
}

export interface IntegrityReport {
  file: string;
  size: number;
  /** sha256 of the whole file, as `sha256sum` prints it */
  sha256?: string;
  /** the file ends with etcd's sha256 of its body */
  hasHash: boolean;
  /** that hash matches; undefined when the file has none or the probe did not hash the body */
  hashOk?: boolean;
  /** the sha256 recorded in FILE.sha256, when that file exists */
  sidecarSha256?: string;
  /** undefined when there is no FILE.sha256 or the probe did not hash the whole file */
  sidecarOk?: boolean;
  /** why the file cannot be used, when it cannot */
  problem?: string;
}

/** `hashes`: what the probe was asked for (integrityProbeCommand's argument); a hash asked for and missing is a mismatch */
export function parseIntegrityProbe(file: string, stdout: string, hashes: ProbeHashes = { whole: true, body: true }): IntegrityReport {
  const kv = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) kv.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  const state = kv.get('state');
  const size = Number(kv.get('size') ?? 0);
  const base: IntegrityReport = { file, size, hasHash: false };
  if (state === 'missing') return { ...base, problem: `snapshot ${file} does not exist` };
  if (state === 'notfile') return { ...base, problem: `snapshot ${file} is not a regular file` };
  if (state === 'empty') return { ...base, problem: `snapshot ${file} is empty (0 bytes): the save did not finish or the copy failed` };
  if (state !== 'ok') return { ...base, problem: `could not inspect snapshot ${file}` };

  const report: IntegrityReport = { ...base, sha256: kv.get('sha256') };
  const sidecar = kv.get('sidecar');
  if (sidecar !== undefined && sidecar !== '') {
    report.sidecarSha256 = sidecar;
    if (hashes.whole !== false) report.sidecarOk = sidecar === report.sha256;
  }
  report.hasHash = hasAppendedHash(size);
  if (report.hasHash && hashes.body) {
    report.hashOk = kv.get('body_sha256') !== undefined && kv.get('body_sha256') === kv.get('tail');
  }
  if (report.sidecarOk === false) {
    report.problem = `snapshot ${file} does not match ${file}.sha256 (file ${report.sha256}, recorded ${sidecar}): the copy is damaged or the wrong file`;
  } else if (report.hashOk === false) {
    report.problem = `snapshot ${file} is truncated or corrupt: the sha256 etcd appended does not match its contents (${size} bytes)`;
  } else if (!report.hasHash && size % 4096 !== 0) {
    // neither a snapshot with its hash nor whole bolt pages: a cut-off download
    report.problem = `snapshot ${file} is truncated: ${size} bytes is neither a saved snapshot nor a whole database file`;
  }
  return report;
}

export function snapshotStatusCommand(tool: OfflineTool, file: string): string {
  return offlineCommand(tool, ['snapshot', 'status', file, '--write-out=json']);
}

export interface SnapshotStatus {
  hash: number;
  revision: number;
  totalKey: number;
  totalSize: number;
  /** storage version, printed by etcdutl 3.5+ */
  version?: string;
}

/** the JSON line of `snapshot status -w json`; etcdctl 3.5 may print warnings around it */
export function parseSnapshotStatus(stdout: string): SnapshotStatus {
  const line = stdout
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith('{') && l.includes('"revision"'));
  if (!line) throw new Error(`unexpected snapshot status output: ${stdout.trim().slice(0, 200) || '(nothing)'}`);
  const j = JSON.parse(line) as Record<string, unknown>;
  const num = (k: string): number => {
    const v = j[k];
    if (typeof v !== 'number') throw new Error(`snapshot status output has no numeric ${k}: ${line}`);
    return v;
  };
  const out: SnapshotStatus = { hash: num('hash'), revision: num('revision'), totalKey: num('totalKey'), totalSize: num('totalSize') };
  if (typeof j.version === 'string' && j.version !== '') out.version = j.version;
  return out;
}
