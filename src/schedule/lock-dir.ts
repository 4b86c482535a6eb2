/**
 * Where run lock files live: one directory for the whole machine, never relative to the
 * working directory, so two shells in two directories (or a shell and the scheduler) that
 * target one cluster find the same lock.
 *
 *   $RUNBOOK_LOCKS_DIR or --locks-dir   when given
 *   /run/lock/runbook                   as root (/var/lock/runbook when /run/lock is missing):
 *                                       0755, owned by root, so no other user can plant a file
 *                                       or a symlink in it
 *   $XDG_RUNTIME_DIR/runbook/locks      as any other user (else ~/.runbook/locks): 0700, so it
 *                                       keeps that user's own runs apart; runs of different
 *                                       users are kept apart by the lease in the cluster's etcd
 *
 * Whichever it is, the directory is checked before a lock file is made in it: a real directory
 * (not a symlink), owned by this user or root, writable by no one else.
 */
import { lstatSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { RunbookError } from '../errors.js';

export interface LockDirEnv {
  env?: NodeJS.ProcessEnv;
  uid?: number;
  exists?: (path: string) => boolean;
  home?: () => string;
}

function isDir(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function defaultLocksDir(o: LockDirEnv = {}): string {
  const env = o.env ?? process.env;
  if (env.RUNBOOK_LOCKS_DIR) return env.RUNBOOK_LOCKS_DIR;
  const uid = o.uid ?? process.getuid?.() ?? 0;
  const exists = o.exists ?? isDir;
  if (uid === 0) return exists('/run/lock') ? '/run/lock/runbook' : '/var/lock/runbook';
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'runbook', 'locks');
  return join((o.home ?? homedir)(), '.runbook', 'locks');
}

export class UnsafeLockDirError extends RunbookError {
  readonly exitCode = 2;
}

/**
 * Create the lock directory if needed (0755 for root's machine-wide one, 0700 otherwise) and
 * refuse one another user could write into: a lock there could be removed or replaced by a
 * symlink under a running run.
 */
export function ensureLockDir(dir: string, uid: number = process.getuid?.() ?? 0): void {
  mkdirSync(dir, { recursive: true, mode: uid === 0 ? 0o755 : 0o700 });
  const st = lstatSync(dir);
  const fix = `remove it, or name another with --locks-dir or $RUNBOOK_LOCKS_DIR`;
  if (!st.isDirectory()) throw new UnsafeLockDirError(`lock directory ${dir} is not a directory (a symlink?); nothing was changed`, fix);
  if (st.uid !== uid && st.uid !== 0) throw new UnsafeLockDirError(`lock directory ${dir} belongs to uid ${st.uid}, not to this user (${uid}) or root; nothing was changed`, fix);
  if ((st.mode & 0o022) !== 0) throw new UnsafeLockDirError(`lock directory ${dir} is writable by other users (mode ${(st.mode & 0o7777).toString(8)}); nothing was changed`, `chmod go-w ${dir}, or ${fix}`);
}
