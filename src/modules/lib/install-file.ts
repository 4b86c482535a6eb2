import type { Readable } from 'node:stream';
import { quote } from '../../transport/shell-quote.js';
import type { FileDiff, ModuleContext, ModuleResult } from '../types.js';
import { hostSha256Command } from './checksum.js';
import { execOnHost, execOrThrow } from './exec.js';
import { applyAttrsCommand, attrChanges, describeAttrChanges, type FileAttrs } from './file-attrs.js';
import { formatMode, isOctalMode } from './file-mode.js';
import { backupPathFor, readRemoteFile, statRemote, tempPathFor, type RemoteStat } from './remote-file.js';
import { DIFF_LIMIT_BYTES, diffableText } from './text-diff.js';

/** The bytes to install: held in memory (content, templates, edits) or opened as a stream (big files). */
export interface FileContent {
  sha256: string;
  size: number;
  body: Buffer | (() => Readable);
}

export interface InstallFileOptions extends FileAttrs {
  dest: string;
  content: FileContent;
  /** keep the old file as `dest.<timestamp>~` when the content changes */
  backup?: boolean;
  /** false: never replace an existing file */
  force?: boolean;
  /** a command with `%s`, run on the new file before it replaces dest; a failure changes nothing */
  validate?: string;
  /** what the caller already knows about dest (saves a round trip); must include sha256 for files */
  current?: RemoteStat;
  /** dest's current content, when the caller already read it (for the diff) */
  before?: Buffer;
}

/** What copy, template and lineinfile register besides the common fields. */
export interface InstallFileData {
  dest: string;
  checksum: string;
  size: number;
  backup_file?: string;
  [key: string]: unknown;
}

export type InstallFileResult = ModuleResult & { data: InstallFileData };

const DEFAULT_UMASK = 0o022;

/**
 * Make `dest` hold exactly `content` with the wanted attributes, the way every file-writing
 * module should: compare sha256 first and write nothing when it matches; otherwise write a
 * temp file next to dest, validate it, check its sha256 on the host, then rename it over dest,
 * so readers see the old file or the new one and never half of one.
 */
export async function installFile(ctx: ModuleContext, o: InstallFileOptions): Promise<InstallFileResult> {
  const st = o.current ?? (await statRemote(ctx, o.dest, { checksum: true }));
  const data: InstallFileData = { dest: o.dest, checksum: o.content.sha256, size: o.content.size };

  if (st.exists && st.type !== 'file') {
    return { changed: false, failed: true, msg: `${o.dest} exists and is not a regular file (${st.type})`, data };
  }
  if (st.exists && o.force === false) {
    return { changed: false, msg: 'file already exists; not replaced because force is false', data };
  }

  const contentChanged = !st.exists || st.sha256 !== o.content.sha256;
  const attrs = st.exists ? attrChanges(st, o) : [];
  if (!contentChanged && attrs.length === 0) return { changed: false, msg: 'file already up to date', data };

  const diff = ctx.diff && contentChanged ? [await fileDiff(ctx, o, st)] : undefined;
  if (!contentChanged) {
    if (!ctx.check) await execOrThrow(ctx, applyAttrsCommand(o.dest, o), `set attributes of ${o.dest}`);
    return { changed: true, msg: `attributes changed: ${describeAttrChanges(attrs)}`, data };
  }
  if (ctx.check) return { changed: true, msg: st.exists ? 'file would be replaced' : 'file would be created', diff, data };

  const tmp = tempPathFor(o.dest);
  await putTemp(ctx, Buffer.isBuffer(o.content.body) ? o.content.body : o.content.body(), tmp);

  if (o.validate !== undefined) {
    const v = await execOnHost(ctx, o.validate.replaceAll('%s', quote(tmp)));
    if (v.exitCode !== 0) {
      await removeQuietly(ctx, tmp);
      return {
        changed: false,
        failed: true,
        msg: `validation failed, ${o.dest} left unchanged: ${o.validate}`,
        rc: v.exitCode,
        stdout: v.stdout,
        stderr: v.stderr,
        data,
      };
    }
  }

  const backupFile = o.backup && st.exists ? backupPathFor(o.dest) : undefined;
  await execOrThrow(
    ctx,
    finalizeScript({ tmp, dest: o.dest, sha256: o.content.sha256, size: o.content.size, current: st, want: o, backupFile }),
    `install ${o.dest}`,
  );
  if (backupFile !== undefined) data.backup_file = backupFile;
  return { changed: true, msg: st.exists ? 'file replaced' : 'file created', diff, data };
}

/** Send the bytes to the temp name; on failure leave nothing behind. */
export async function putTemp(ctx: ModuleContext, body: Buffer | Readable, tmp: string): Promise<void> {
  try {
    // 0600 until the final mode is set: the content may be a secret
    await ctx.transport.put(body, tmp, { mode: 0o600, become: ctx.become });
  } catch (err) {
    await removeQuietly(ctx, tmp);
    throw err;
  }
}

export async function removeQuietly(ctx: ModuleContext, path: string): Promise<void> {
  try {
    await execOnHost(ctx, `rm -f -- ${quote(path)}`);
  } catch {
    // the connection is gone; the original error is the one worth reporting
  }
}

export interface FinalizePlan {
  tmp: string;
  dest: string;
  /** what the temp file must hash to, checked on the host before the rename */
  sha256: string;
  /** its size in bytes: big files are hashed with openssl (see hostSha256Command) */
  size: number;
  current: RemoteStat;
  want: FileAttrs;
  backupFile?: string;
}

/** how finalizeScript says the temp file is not what was expected, followed by its sha256 */
const SHA256_MISMATCH = 'sha256 mismatch: the host has';

/** the sha256 the host found, when finalizeScript failed because of it (from its stderr) */
export function finalizeSha256Mismatch(stderr: string): string | undefined {
  return new RegExp(`${SHA256_MISMATCH} ([0-9a-f]{64})`).exec(stderr)?.[1];
}

/**
 * The one command that turns a verified temp file into dest: give it dest's current mode and
 * owner (or the host's default for a new file) so an edit never loosens a 0600 file, apply the
 * wanted attributes, check the sha256, keep a backup, rename. Any failure removes the temp file.
 */
export function finalizeScript(p: FinalizePlan): string {
  const tmp = quote(p.tmp);
  const lines = [`fail() { rc=$?; rm -f -- ${tmp}; exit "$rc"; }`];
  if (p.want.mode === undefined || !isOctalMode(p.want.mode)) lines.push(`chmod ${baseMode(p.current)} -- ${tmp} || fail`);
  if (p.current.exists) {
    // keeping the owner needs root; a plain user editing their own file keeps it anyway
    lines.push(`chown -- ${p.current.uid}:${p.current.gid} ${tmp} 2>/dev/null || true`);
  }
  const attrs = applyAttrsCommand(p.tmp, p.want);
  if (attrs !== '') lines.push(`${attrs} || fail`);
  lines.push(
    `s=$(${hostSha256Command(p.tmp, p.size)}) || fail`,
    `if [ "\${s%% *}" != ${p.sha256} ]; then echo "${SHA256_MISMATCH} \${s%% *}, expected ${p.sha256}" >&2; rm -f -- ${tmp}; exit 1; fi`,
  );
  if (p.backupFile !== undefined) {
    // the backup's name is predictable (a timestamp): copy to a random name cp creates itself,
    // then rename, so a symlink planted at the backup name is replaced rather than written through
    const bak = quote(tempPathFor(p.backupFile));
    lines.push(`cp -p -- ${quote(p.dest)} ${bak} || fail`, `mv -f -T -- ${bak} ${quote(p.backupFile)} || { rm -f -- ${bak}; fail; }`);
  }
  // -T: a dest that is a symlink to a directory is replaced, not moved into
  lines.push(`mv -f -T -- ${tmp} ${quote(p.dest)} || fail`);
  return lines.join('\n');
}

function baseMode(current: RemoteStat): string {
  if (current.exists) return formatMode(current.mode & 0o7777);
  return formatMode(0o666 & ~(current.umask ?? DEFAULT_UMASK));
}

async function fileDiff(ctx: ModuleContext, o: InstallFileOptions, st: RemoteStat): Promise<FileDiff> {
  let before = '';
  if (st.exists) {
    const small = st.size <= DIFF_LIMIT_BYTES;
    const bytes = o.before ?? (small ? await readRemoteFile(ctx, o.dest) : undefined);
    before = diffableText(bytes, st.size);
  }
  const after = diffableText(Buffer.isBuffer(o.content.body) ? o.content.body : undefined, o.content.size);
  return { path: o.dest, before, after };
}
