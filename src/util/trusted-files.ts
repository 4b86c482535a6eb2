/**
 * Files a scheduled run loads and runs with (the schedules file, playbooks and what they
 * include, inventories, vars files, templates, keys, known_hosts, ssh config) must not be
 * writable by anyone but root and the user the scheduler runs as: whoever can change them can
 * make the scheduler run any command as that user, on the controller and on every member.
 *
 * OpenSSH's StrictModes is the model: the file and every directory above it must be owned by
 * root or the running user, and not writable by group or others. A world-writable directory
 * with the sticky bit (/tmp) is accepted: others cannot rename or remove what they do not own.
 *
 * The check is on only inside `onlyTrustedFiles(...)` (the scheduler); a manual `runbook apply`
 * is the operator's own choice of files. Every reader calls `checkTrustedFile` before reading;
 * outside the scope that costs nothing. A file that does not exist is not checked: its reader
 * reports it as it always does.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { realpathSync, statSync, type Stats } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { quote } from '../transport/shell-quote.js';

export interface TrustScope {
  /** the user files may belong to besides root */
  uid: number;
  userName: string;
  /** directories already found trusted in this scope; they are met again for every file */
  trustedDirs: Set<string>;
}

const scope = new AsyncLocalStorage<TrustScope>();

function currentUser(): { uid: number; userName: string } {
  const uid = process.geteuid?.() ?? 0;
  let userName = String(uid);
  try {
    userName = userInfo().username;
  } catch {
    // no passwd entry: the uid it is
  }
  return { uid, userName };
}

/** Run `fn` (and everything it starts) with every file read checked. */
export function onlyTrustedFiles<T>(fn: () => T, user = currentUser()): T {
  return scope.run({ ...user, trustedDirs: new Set() }, fn);
}

export function trustChecksOn(): boolean {
  return scope.getStore() !== undefined;
}

/**
 * Throws a ConfigError naming the file (or the directory above it), who may write it and the
 * command that fixes it, when the file may be changed by someone else. `what` says what the
 * file is to the run ("playbook", "private key", ...).
 */
export function checkTrustedFile(path: string, what: string): void {
  const s = scope.getStore();
  if (!s) return;
  const abs = resolve(path);
  let st: Stats;
  try {
    st = statSync(abs);
  } catch {
    return; // missing or unreadable: its reader says so
  }
  const own = problemOf(st, s);
  if (own) throw untrusted(s, what, abs, abs, own, st);
  let real = abs;
  try {
    real = realpathSync(abs);
  } catch {
    // raced away: its reader says so
  }
  // the directories of the path as written (a link in it can be replaced) and as resolved
  for (const dir of new Set([...ancestors(abs), ...ancestors(real)])) {
    if (s.trustedDirs.has(dir)) continue;
    let ds: Stats;
    try {
      ds = statSync(dir);
    } catch {
      continue;
    }
    const p = problemOf(ds, s);
    if (p) throw untrusted(s, what, abs, dir, p, ds);
    s.trustedDirs.add(dir);
  }
}

function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let d = dirname(path); ; d = dirname(d)) {
    out.push(d);
    if (dirname(d) === d) return out;
  }
}

type Problem = 'owner' | 'writable';

function problemOf(st: Stats, s: TrustScope): Problem | undefined {
  if (st.uid !== 0 && st.uid !== s.uid) return 'owner';
  const sticky = st.isDirectory() && (st.mode & 0o1000) !== 0;
  if ((st.mode & 0o022) !== 0 && !sticky) return 'writable';
  return undefined;
}

function untrusted(s: TrustScope, what: string, file: string, culprit: string, problem: Problem, st: Stats): ConfigError {
  const isDir = culprit !== file;
  const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
  const who = [st.mode & 0o020 ? 'its group' : '', st.mode & 0o002 ? 'every user' : ''].filter(Boolean).join(' and ');
  const subject = isDir ? `${what} ${file}: its directory ${culprit}` : `${what} ${file}`;
  const owners = s.uid === 0 ? 'root' : `root or ${s.userName}`;
  const message =
    problem === 'owner'
      ? `${subject} is owned by uid ${st.uid}, not by ${owners}; that user could make the scheduler run any command as ${s.userName}, so it is not used`
      : `${subject} can be written by ${who} (mode ${mode}); they could make the scheduler run any command as ${s.userName}, so it is not used`;
  const hint =
    problem === 'owner'
      ? `check its content, then: chown ${s.userName} ${quote(culprit)}${isDir ? '' : ` && chmod go-w ${quote(culprit)}`}`
      : `check its content, then: chmod go-w ${quote(culprit)}${isDir ? ' (or set the sticky bit: chmod +t)' : ''}`;
  return new ConfigError({ message, hint, loc: { file, line: 1, col: 1 } });
}
