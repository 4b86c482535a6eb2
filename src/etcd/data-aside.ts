/**
 * Setting a member's data dir aside, and putting it back, without deleting anything and without
 * crossing filesystems.
 *
 * A plain dir is renamed to a sibling: `/var/lib/etcd/default` -> `/var/lib/etcd/default.pre-restore-RUN`.
 * A dir that is a mount point (a dedicated disk, kubeadm's `/var/lib/etcd`) cannot be renamed
 * ("Device or resource busy"), and a sibling would be on another filesystem, so its **contents**
 * move into a hidden dir inside it: `/var/lib/etcd/.pre-restore-RUN/member`. etcd only warns
 * about extra entries in its data dir, so the kept copy can stay there.
 *
 * Entries that are never etcd's data stay where they are when contents move: `lost+found`, the
 * hidden dirs this file makes (`.pre-*`, `.failed-*`), the restore's `.restore-tmp-*` and a
 * snapshot copy staged on the same disk (`.snapshot-*`).
 */
import { quote } from '../transport/shell-quote.js';

/** names of kept copies: `pre-restore-RUN` (before a change), `failed-restore-RUN` (what a failed change left) */
export const ASIDE_NAME = /^(pre|failed)-[A-Za-z0-9_.-]+$/;

/** a case pattern of the entries that stay in a mount point when its contents move */
export const KEPT_ENTRIES = 'lost+found|.pre-*|.failed-*|.restore-tmp-*|.snapshot-*';

export function asidePathOf(dir: string, name: string, mountPoint: boolean): string {
  const d = dir.replace(/\/+$/, '');
  return mountPoint ? `${d}/.${name}` : `${d}.${name}`;
}

/** prints `mount=yes|no` for the resolved dir (a shell function, usable in other scripts) */
export const IS_MOUNT_FN = [
  'is_mount() {',
  // mountinfo's 5th field is the mount point, with space, tab, newline and backslash octal-escaped
  '  P="$1" awk \'{ m = $5; gsub(/\\\\040/, " ", m); gsub(/\\\\011/, "\\t", m); gsub(/\\\\134/, "\\\\", m); if (m == ENVIRON["P"]) f = 1 } END { exit !f }\' /proc/self/mountinfo',
  '}',
].join('\n');

/** loop over a dir's entries, hidden ones too, skipping what is kept; `$e` is the entry */
function eachMovable(dir: string, body: string): string {
  return [
    `for e in ${dir}/* ${dir}/.[!.]* ${dir}/..?*; do`,
    '  [ -e "$e" ] || [ -L "$e" ] || continue',
    `  case "\${e##*/}" in ${KEPT_ENTRIES}) continue;; esac`,
    `  ${body}`,
    'done',
  ].join('\n');
}

/** exists, is a dir, is a mount point, and where each named aside would be and whether it is there */
export function dataDirProbeCommand(dir: string, names: readonly string[]): string {
  const lines = [
    IS_MOUNT_FN,
    `d=${quote(dir)}`,
    'if [ -L "$d" ]; then echo link=yes; fi',
    'if [ ! -e "$d" ]; then echo exists=no; exit 0; fi',
    'echo exists=yes',
    'if [ -d "$d" ]; then echo dir=yes; else echo dir=no; fi',
    'r=$(readlink -f -- "$d")',
    'if is_mount "$r"; then echo mount=yes; else echo mount=no; fi',
    'echo fs=$(df -P -- "$d" 2>/dev/null | awk \'NR==2 {print $1 " on " $6}\')',
  ];
  for (const n of names) {
    lines.push(`if [ -e "$d".${quote(n)} ] || [ -L "$d".${quote(n)} ]; then echo sibling_${n}=yes; fi`);
    lines.push(`if [ -e "$d"/.${quote(n)} ]; then echo inside_${n}=yes; fi`);
  }
  return lines.join('\n');
}

export interface DataDirProbe {
  exists: boolean;
  isDir: boolean;
  symlink: boolean;
  mountPoint: boolean;
  /** "DEVICE on MOUNTPOINT" as df says */
  filesystem?: string;
  /** the aside names already taken, in the place the layout would use */
  taken: Set<string>;
}

export function parseDataDirProbe(stdout: string, names: readonly string[]): DataDirProbe {
  const kv = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) kv.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  const mountPoint = kv.get('mount') === 'yes';
  return {
    exists: kv.get('exists') === 'yes',
    isDir: kv.get('dir') === 'yes',
    symlink: kv.get('link') === 'yes',
    mountPoint,
    filesystem: kv.get('fs') || undefined,
    taken: new Set(names.filter((n) => kv.get(`${mountPoint ? 'inside' : 'sibling'}_${n}`) === 'yes')),
  };
}

/** move the dir (or a mount point's contents) to `aside`; prints `moved` */
export function setAsideCommand(dir: string, aside: string, mountPoint: boolean): string {
  const d = quote(dir);
  const a = quote(aside);
  const lines = ['set -e', `d=${d}; a=${a}`, '[ ! -e "$a" ] || { echo "$a already exists: a kept copy from an earlier run? Look at it first" >&2; exit 1; }'];
  if (!mountPoint) {
    lines.push('mv -T -- "$d" "$a"');
  } else {
    lines.push('mkdir -m 700 -- "$a"', eachMovable('"$d"', 'mv -- "$e" "$a"/'));
  }
  lines.push('echo moved');
  return lines.join('\n');
}

/**
 * Put `aside` back in place. What is in the dir now (a restore that failed) moves to `replaced`
 * first, so nothing is deleted. Prints `back`, or `nothing` when there is no kept copy.
 */
export function putBackCommand(dir: string, aside: string, replaced: string, mountPoint: boolean): string {
  const lines = ['set -e', `d=${quote(dir)}; a=${quote(aside)}; r=${quote(replaced)}`, 'if [ ! -e "$a" ]; then echo nothing; exit 0; fi'];
  const refuseTaken = '[ ! -e "$r" ] || { echo "$r already exists: move it away first" >&2; exit 1; }';
  if (!mountPoint) {
    lines.push(`if [ -e "$d" ] || [ -L "$d" ]; then ${refuseTaken}; mv -T -- "$d" "$r"; fi`, 'mv -T -- "$a" "$d"');
  } else {
    lines.push(
      eachMovable('"$d"', `if [ ! -d "$r" ]; then ${refuseTaken}; mkdir -m 700 -- "$r"; fi; mv -- "$e" "$r"/`),
      // the kept copy holds only what was moved into it: hidden entries of etcd's own come back too
      'for e in "$a"/* "$a"/.[!.]* "$a"/..?*; do [ -e "$e" ] || [ -L "$e" ] || continue; mv -- "$e" "$d"/; done',
      'rmdir -- "$a"',
    );
  }
  lines.push('echo back');
  return lines.join('\n');
}
