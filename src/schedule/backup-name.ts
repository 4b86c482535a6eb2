/**
 * The backup playbook names every snapshot
 *   etcd-<cluster>-<UTC time YYYYMMDDTHHMMSSZ>-rev<revision>.db
 * and writes its checksum beside it as `<snapshot>.sha256` (sha256sum's habit; the shorter
 * `<name>.sha256` without `.db` is recognised too). In object storage the snapshot is
 * compressed and usually encrypted (`.db.gz`, `.db.gz.age`) and its metadata, sha256
 * included, is the object `<snapshot>.meta.json` beside it (src/backup/backup-meta.ts).
 * Retention trusts only this pattern: a file that does not match it is never listed as a
 * backup and never deleted.
 */
export interface BackupFile {
  /** file name of the snapshot, without directory */
  name: string;
  cluster: string;
  /** taken at, from the name (not the file's mtime, which a copy changes) */
  time: Date;
  revision: number;
  size?: number;
  /** file name of the checksum beside it, when there is one */
  checksum?: string;
}

export interface DirEntry {
  name: string;
  size: number;
}

export interface BackupScan {
  /** newest first */
  backups: BackupFile[];
  /** checksum files whose snapshot is gone; listed, never deleted */
  orphanChecksums: string[];
}

const SNAPSHOT = /^etcd-(?<cluster>[A-Za-z0-9._-]+?)-(?<stamp>\d{8}T\d{6}Z)-rev(?<rev>\d+)\.db(?:\.gz)?(?:\.age)?$/;

function timeOfStamp(stamp: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(stamp);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC rolls 20260230 over into March; a name like that was not written by the playbook
  if (t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d || t.getUTCHours() !== h || t.getUTCMinutes() !== mi || t.getUTCSeconds() !== s) return undefined;
  return t;
}

/** the parts of a snapshot name, or undefined when it is not one */
export function parseBackupName(name: string): Omit<BackupFile, 'size' | 'checksum'> | undefined {
  const m = SNAPSHOT.exec(name);
  if (!m?.groups) return undefined;
  const time = timeOfStamp(m.groups.stamp!);
  if (!time) return undefined;
  return { name, cluster: m.groups.cluster!, time, revision: Number(m.groups.rev) };
}

/** `etcd-prod-20261122T101502Z-rev4711.db`: what the backup playbook must write; `suffix`: `.gz`, `.gz.age` */
export function backupName(cluster: string, time: Date, revision: number, suffix: '' | '.gz' | '.gz.age' = ''): string {
  const stamp = time.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `etcd-${cluster}-${stamp}-rev${revision}.db${suffix}`;
}

/** the object beside a snapshot in object storage that holds its metadata */
export function metaName(snapshot: string): string {
  return `${snapshot}.meta.json`;
}

function checksumNames(snapshot: string): string[] {
  return [`${snapshot}.sha256`, `${snapshot.replace(/\.db$/, '')}.sha256`, metaName(snapshot)];
}

/** newest first; ties (two snapshots in one second) by revision */
export function newestFirst(a: BackupFile, b: BackupFile): number {
  return b.time.getTime() - a.time.getTime() || b.revision - a.revision || (a.name < b.name ? -1 : 1);
}

/** Pick the backups out of a directory listing and pair each with its checksum file. */
export function scanBackups(entries: readonly DirEntry[]): BackupScan {
  const byName = new Map(entries.map((e) => [e.name, e]));
  const paired = new Set<string>();
  const backups: BackupFile[] = [];
  for (const e of entries) {
    const parsed = parseBackupName(e.name);
    if (!parsed) continue;
    const checksum = checksumNames(e.name).find((c) => byName.has(c));
    if (checksum) paired.add(checksum);
    backups.push({ ...parsed, size: e.size, checksum });
  }
  const orphanChecksums = entries
    .map((e) => e.name)
    .filter((n) => n.startsWith('etcd-') && (n.endsWith('.sha256') || n.endsWith('.meta.json')) && !paired.has(n))
    .sort();
  return { backups: backups.sort(newestFirst), orphanChecksums };
}

/** the files that make up a backup, snapshot first: a deletion cut short leaves only a harmless checksum */
export function filesOf(b: BackupFile): string[] {
  return b.checksum ? [b.name, b.checksum] : [b.name];
}
