import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { sh } from '../../transport/shell-quote.js';
import type { ModuleContext } from '../types.js';
import { parseSha256sum } from './checksum.js';
import { execOrThrow } from './exec.js';

export type RemoteFileType = 'file' | 'directory' | 'link' | 'other';

/** What `stat` says about a remote path (symlinks followed). */
export type RemoteStat =
  | {
      path: string;
      exists: false;
      /** the umask a file created by the same user would get, so new files get the mode the host would give them */
      umask?: number;
    }
  | {
      path: string;
      exists: true;
      type: RemoteFileType;
      /** permission bits including setuid/setgid/sticky, e.g. 0o644 */
      mode: number;
      owner: string;
      group: string;
      uid: number;
      gid: number;
      size: number;
      /** sha256 of a regular file's content, when asked for */
      sha256?: string;
    };

export type PresentStat = Extract<RemoteStat, { exists: true }>;

const ABSENT_MARK = 'absent';
export const STAT_FORMAT = '%F|%a|%U|%G|%u|%g|%s';

/**
 * One round trip that tells whether a path exists, its type, mode, owner and (for regular
 * files, when `checksum`) its sha256; for a missing path, the umask. GNU and busybox `stat`
 * both understand the format.
 */
export function statCommand(path: string, checksum: boolean): string {
  const hash = checksum ? sh` && { test ! -f ${path} || sha256sum < ${path}; }` : '';
  return sh`if test -e ${path}; then stat -L -c ${STAT_FORMAT} -- ${path}` + hash + `; else echo ${ABSENT_MARK}; umask; fi`;
}

function parseStat(path: string, stdout: string): RemoteStat {
  const lines = stdout.split('\n');
  if (lines[0]?.trim() === ABSENT_MARK) {
    const umask = /^[0-7]{1,4}$/.test(lines[1]?.trim() ?? '') ? parseInt(lines[1]!.trim(), 8) : undefined;
    return { path, exists: false, umask };
  }
  const present = parseStatLine(path, lines[0] ?? '');
  if (present === undefined) throw new Error(`unexpected stat output for ${path}: ${JSON.stringify(stdout.slice(0, 200))}`);
  const sha256 = parseSha256sum(lines.slice(1).join('\n'));
  return sha256 === undefined ? present : { ...present, sha256 };
}

/** One line of `stat -c STAT_FORMAT` output; undefined when the line is not one. */
export function parseStatLine(path: string, line: string): PresentStat | undefined {
  const fields = line.split('|');
  if (fields.length !== 7) return undefined;
  const [kind, mode, owner, group, uid, gid, size] = fields as [string, string, string, string, string, string, string];
  return {
    path,
    exists: true,
    type: fileTypeOf(kind),
    mode: parseInt(mode, 8),
    owner,
    group,
    uid: Number(uid),
    gid: Number(gid),
    size: Number(size),
  };
}

function fileTypeOf(statKind: string): RemoteFileType {
  if (statKind.startsWith('regular')) return 'file';
  if (statKind === 'directory') return 'directory';
  if (statKind === 'symbolic link') return 'link';
  return 'other';
}

export async function statRemote(ctx: ModuleContext, path: string, opts: { checksum?: boolean } = {}): Promise<RemoteStat> {
  const r = await execOrThrow(ctx, statCommand(path, opts.checksum ?? false), `stat ${path}`);
  return parseStat(path, r.stdout);
}

/** Read a whole remote file (for edits and diffs; big files are streamed by their modules instead). */
export async function readRemoteFile(ctx: ModuleContext, path: string): Promise<Buffer> {
  const stream = await ctx.transport.get(path, { become: ctx.become });
  return collect(stream);
}

export async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

/**
 * A hidden name next to `dest`: same directory so the final `mv` is an atomic rename on one
 * file system, hidden so globs such as `*.yaml` in a manifests directory never pick it up.
 */
export function tempPathFor(dest: string): string {
  return posix.join(posix.dirname(dest), `.${posix.basename(dest)}.runbook-tmp-${randomBytes(6).toString('hex')}`);
}

/** Ansible's backup name: `dest.<YYYY-MM-DD@HH:MM:SS>~`, in the controller's local time. */
export function backupPathFor(dest: string, now: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}@${p(now.getHours())}:${p(now.getMinutes())}:${p(now.getSeconds())}`;
  return `${dest}.${stamp}~`;
}
