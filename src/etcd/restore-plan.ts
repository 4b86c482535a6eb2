/**
 * The commands of one member's snapshot restore, as pure functions of the request so the
 * exact command lines are unit-tested.
 *
 * The restore writes into a staging directory next to the data dir and only then renames it
 * into place: a restore that fails half-way leaves no half-written data dir where etcd would
 * start from it. An existing data dir is never removed unless it is empty (3.4's etcdctl
 * refuses even an empty one, so the empty one goes with `rmdir`, which cannot remove data).
 */
import { quote } from '../transport/shell-quote.js';
import { IS_MOUNT_FN, KEPT_ENTRIES } from './data-aside.js';
import { parseInitialCluster } from './initial-cluster.js';
import { offlineCommand, type OfflineTool } from './offline-tool.js';

export interface RestoreRequest {
  snapshot: string;
  name: string;
  initialCluster: string;
  initialClusterToken: string;
  /** comma-separated, as the flag takes it */
  initialAdvertisePeerUrls: string;
  dataDir: string;
  walDir?: string;
  skipHashCheck: boolean;
  /** etcdutl 3.5.x+ only */
  bumpRevision?: number;
  markCompacted: boolean;
  /** user:group to own the restored dirs; when absent the probe's finding is used */
  owner?: string;
  runId: string;
  /**
   * the data dir is a mount point (found by the probe): the restore stages inside it and moves
   * the result in, as a mount point cannot be renamed and a sibling is on another filesystem
   */
  mountPoint?: boolean;
}

/** a sibling of `dir`, so the final rename stays on one filesystem; inside it when `dir` is a mount point */
export function stagingDirOf(dir: string, runId: string, mountPoint = false): string {
  const base = dir.replace(/\/+$/, '');
  const name = `restore-tmp-${runId.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
  return mountPoint ? `${base}/.${name}` : `${base}.${name}`;
}

/** the member must appear in --initial-cluster with exactly its advertised peer URLs, or etcd refuses to start */
export function membershipProblem(req: Pick<RestoreRequest, 'initialCluster' | 'name' | 'initialAdvertisePeerUrls'>): string | undefined {
  let peers;
  try {
    peers = parseInitialCluster(req.initialCluster);
  } catch (e) {
    return (e as Error).message;
  }
  const me = peers.find((p) => p.name === req.name);
  if (!me) return `member ${req.name} is not in initial_cluster ${req.initialCluster}`;
  const advertised = req.initialAdvertisePeerUrls.split(',').map((s) => s.trim()).filter(Boolean).sort();
  const listed = [...me.peerUrls].sort();
  if (advertised.join(',') !== listed.join(',')) {
    return `initial_cluster gives ${req.name}=${listed.join(',')} but initial_advertise_peer_urls is ${advertised.join(',')}: they must be the same URLs`;
  }
  return undefined;
}

export function restoreArgs(req: RestoreRequest, tool: OfflineTool): string[] {
  const args = [
    'snapshot',
    'restore',
    req.snapshot,
    `--name=${req.name}`,
    `--initial-cluster=${req.initialCluster}`,
    `--initial-cluster-token=${req.initialClusterToken}`,
    `--initial-advertise-peer-urls=${req.initialAdvertisePeerUrls}`,
    `--data-dir=${stagingDirOf(req.dataDir, req.runId, req.mountPoint)}`,
  ];
  if (req.walDir !== undefined) args.push(`--wal-dir=${stagingDirOf(req.walDir, req.runId)}`);
  if (req.skipHashCheck) args.push('--skip-hash-check');
  if (req.bumpRevision !== undefined || req.markCompacted) {
    if (tool.kind !== 'etcdutl') {
      throw new Error(`bump_revision/mark_compacted need etcdutl (etcd 3.5+); this host restores with etcdctl ${tool.version}`);
    }
    if (req.markCompacted && req.bumpRevision === undefined) {
      throw new Error('mark_compacted needs bump_revision (etcdutl refuses one without the other)');
    }
    args.push(`--bump-revision=${req.bumpRevision}`);
    if (req.markCompacted) args.push('--mark-compacted');
  }
  return args;
}

export function restoreCommand(req: RestoreRequest, tool: OfflineTool): string {
  return offlineCommand(tool, restoreArgs(req, tool));
}

/** `etcdutl snapshot restore --help` mentions the flag when this build has it */
export function bumpRevisionSupportCommand(tool: OfflineTool): string {
  return `${offlineCommand(tool, ['snapshot', 'restore', '--help'])} 2>&1 | grep -q -e --bump-revision`;
}

type DirState = 'absent' | 'empty' | 'nonempty' | 'notdir' | 'symlink' | 'unreadable';

export interface RestoreProbe {
  dataDir: DirState;
  dataStage: DirState;
  /** the data dir is a mount point */
  mountPoint: boolean;
  /** a mount point's state, not counting lost+found and the kept copies (.pre-*, .failed-*) */
  dataDirKept?: DirState;
  /** the staging dir inside a mount point */
  dataStageInside?: DirState;
  walDir?: DirState;
  walStage?: DirState;
  snapshot: 'ok' | 'empty' | 'missing';
  /** owner of the existing data dir, or of its parent: what etcd runs as */
  owner?: string;
}

// like dirstate, but a mount point's lost+found and kept copies do not count as data
const KEPT_DIRSTATE_FN =
  'keptstate() { if [ ! -d "$1" ]; then dirstate "$1"; return 0; fi; n=0; ' +
  'for e in "$1"/* "$1"/.[!.]* "$1"/..?*; do [ -e "$e" ] || [ -L "$e" ] || continue; ' +
  `case "\${e##*/}" in ${KEPT_ENTRIES}) continue;; esac; n=1; done; ` +
  'if [ $n = 0 ]; then echo empty; else echo nonempty; fi; }';

const DIRSTATE_FN =
  'dirstate() { if [ -L "$1" ]; then echo symlink; elif [ ! -e "$1" ]; then echo absent; ' +
  'elif [ ! -d "$1" ]; then echo notdir; else c=$(ls -A "$1" 2>/dev/null) || { echo unreadable; return 0; }; ' +
  'if [ -z "$c" ]; then echo empty; else echo nonempty; fi; fi; }';

export function restoreProbeCommand(req: RestoreRequest): string {
  const d = quote(req.dataDir);
  const lines = [
    DIRSTATE_FN,
    KEPT_DIRSTATE_FN,
    IS_MOUNT_FN,
    `echo data_dir=$(dirstate ${d})`,
    `echo data_stage=$(dirstate ${quote(stagingDirOf(req.dataDir, req.runId))})`,
    `if [ -d ${d} ] && [ ! -L ${d} ] && is_mount "$(readlink -f -- ${d})"; then`,
    '  echo mount=yes',
    `  echo data_dir_kept=$(keptstate ${d})`,
    `  echo data_stage_inside=$(dirstate ${quote(stagingDirOf(req.dataDir, req.runId, true))})`,
    'fi',
  ];
  if (req.walDir !== undefined) {
    lines.push(`echo wal_dir=$(dirstate ${quote(req.walDir)})`);
    lines.push(`echo wal_stage=$(dirstate ${quote(stagingDirOf(req.walDir, req.runId))})`);
  }
  lines.push(
    `s=${quote(req.snapshot)}`,
    'if [ -f "$s" ] && [ -s "$s" ]; then echo snapshot=ok; elif [ -e "$s" ]; then echo snapshot=empty; else echo snapshot=missing; fi',
    `if [ -e ${d} ]; then o=${d}; else o=$(dirname ${d}); fi`,
    'echo owner=$(stat -c %U:%G "$o" 2>/dev/null)',
  );
  return lines.join('\n');
}

export function parseRestoreProbe(stdout: string): RestoreProbe {
  const kv = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) kv.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  const dir = (k: string): DirState | undefined => kv.get(k) as DirState | undefined;
  const owner = kv.get('owner');
  return {
    dataDir: dir('data_dir') ?? 'unreadable',
    dataStage: dir('data_stage') ?? 'unreadable',
    mountPoint: kv.get('mount') === 'yes',
    dataDirKept: dir('data_dir_kept'),
    dataStageInside: dir('data_stage_inside'),
    walDir: dir('wal_dir'),
    walStage: dir('wal_stage'),
    snapshot: (kv.get('snapshot') as RestoreProbe['snapshot'] | undefined) ?? 'missing',
    owner: owner !== undefined && owner !== '' ? owner : undefined,
  };
}

function dirProblem(label: string, path: string, state: DirState | undefined, runId: string, mountPoint = false): string | undefined {
  switch (state) {
    case 'absent':
    case 'empty':
    case undefined:
      return undefined;
    case 'nonempty':
      if (mountPoint) {
        return `${label} ${path} is a mount point and not empty: refusing to restore over it. Move its contents aside first, on the same disk (etcd_data_aside moves them into ${quote(`${path}/.pre-restore-${runId}`)}), so they can be put back`;
      }
      return `${label} ${path} is not empty: refusing to restore over it. Move it aside first (mv ${quote(path)} ${quote(`${path}.pre-restore-${runId}`)}) so it can be put back`;
    case 'notdir':
      return `${label} ${path} exists and is not a directory`;
    case 'symlink':
      return `${label} ${path} is a symlink: give the real path so the restored data lands where etcd reads it`;
    case 'unreadable':
      return `${label} ${path} cannot be read: run the task with become`;
  }
}

/** why the restore must not run, or undefined when it may */
export function restoreRefusal(req: RestoreRequest, probe: RestoreProbe): string | undefined {
  if (probe.snapshot === 'missing') return `snapshot ${req.snapshot} does not exist on this host`;
  if (probe.snapshot === 'empty') return `snapshot ${req.snapshot} is empty or not a regular file`;
  const mount = probe.mountPoint;
  const problems = [
    dirProblem('data dir', req.dataDir, mount ? probe.dataDirKept : probe.dataDir, req.runId, mount),
    req.walDir !== undefined ? dirProblem('wal dir', req.walDir, probe.walDir, req.runId) : undefined,
  ];
  const stage = stagingDirOf(req.dataDir, req.runId, mount);
  if ((mount ? probe.dataStageInside : probe.dataStage) !== 'absent') problems.push(`${stage} is left over from an interrupted restore: check and remove it first`);
  if (req.walDir !== undefined && probe.walStage !== 'absent') {
    problems.push(`${stagingDirOf(req.walDir, req.runId)} is left over from an interrupted restore: check and remove it first`);
  }
  return problems.find((p) => p !== undefined);
}

/** rename the staged dirs into place, then give them to the user etcd runs as */
export function restoreFinishCommand(req: RestoreRequest, owner: string | undefined): string {
  const lines = ['set -e'];
  if (req.mountPoint) {
    // a mount point stays; the restored entries (member/) move in beside the kept copies
    const d = quote(req.dataDir);
    const s = quote(stagingDirOf(req.dataDir, req.runId, true));
    lines.push(`for e in ${s}/* ${s}/.[!.]*; do [ -e "$e" ] || continue; mv -- "$e" ${d}/; ` + (owner !== undefined ? `chown -R ${quote(owner)} ${d}/"\${e##*/}"; ` : '') + 'done', `rmdir -- ${s}`);
    if (owner !== undefined) lines.push(`chown ${quote(owner)} ${d}`);
    lines.push(`chmod 700 ${d}`);
  }
  const place = (dir: string) => {
    const d = quote(dir);
    const s = quote(stagingDirOf(dir, req.runId));
    // rmdir only removes an empty dir: the probe found it empty, and if data appeared since, this stops here
    lines.push(`if [ -d ${d} ]; then rmdir ${d}; fi`, `mv ${s} ${d}`);
    if (owner !== undefined) lines.push(`chown -R ${quote(owner)} ${d}`);
    lines.push(`chmod 700 ${d}`);
  };
  if (!req.mountPoint) place(req.dataDir);
  if (req.walDir !== undefined) place(req.walDir);
  return lines.join('\n');
}

/** remove only what this restore staged, after it failed */
export function restoreCleanupCommand(req: RestoreRequest): string {
  const dirs = [stagingDirOf(req.dataDir, req.runId, req.mountPoint)];
  if (req.walDir !== undefined) dirs.push(stagingDirOf(req.walDir, req.runId));
  return `rm -rf -- ${dirs.map(quote).join(' ')}`;
}
