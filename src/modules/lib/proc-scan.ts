/**
 * What /proc says is running, as shell commands and parsers, so a module can prove a process is
 * gone instead of trusting a service manager. `systemctl is-active` says `unknown` for a unit it
 * did not start, and a static pod has no unit at all: only the kernel's process table is sure.
 *
 *   processesCommand(['etcd'])     -> pid and base64 cmdline of every process mentioning etcd
 *   pathUsersCommand('/var/lib/etcd') -> pid and base64 cmdline of every process with a file,
 *                                      its cwd or a mapping under /var/lib/etcd
 *
 * Both print `PID BASE64(cmdline)` lines; parseProcLines reads them.
 */
import { posix } from 'node:path';
import { quote } from '../../transport/shell-quote.js';

export interface ProcEntry {
  pid: number;
  argv: string[];
}

/** exit code of pathUsersCommand when the caller cannot see other processes' files */
export const PROC_UNREADABLE = 13;

/**
 * Every process whose command line contains one of `needles` (a cheap `grep -l` over
 * /proc/PID/cmdline), with its full command line. The caller matches argv exactly: the shell that
 * runs this script mentions the needles too.
 */
export function processesCommand(needles: readonly string[]): string {
  const patterns = needles.map((n) => `-e ${quote(n)}`).join(' ');
  return [
    `for f in $(grep -l -a -F ${patterns} /proc/[0-9]*/cmdline 2>/dev/null); do`,
    '  p=${f#/proc/}; p=${p%/cmdline}',
    '  [ "$p" = "$$" ] && continue',
    '  c=$(base64 -w 0 < "$f" 2>/dev/null) && [ -n "$c" ] && echo "$p $c"',
    'done',
    'exit 0',
  ].join('\n');
}

/**
 * Every process that has `path` or anything under it open (a file descriptor, its working
 * directory, a memory mapping such as bbolt's), with its command line. Needs root to read other
 * users' /proc/PID/fd: exits PROC_UNREADABLE when it cannot. A path that does not exist has no
 * users. The path is resolved first (`readlink -f`), as the kernel shows resolved paths.
 */
export function pathUsersCommand(path: string): string {
  const p = quote(path);
  return [
    `[ -e ${p} ] || exit 0`,
    `d=$(readlink -f -- ${p})`,
    `ls /proc/1/fd >/dev/null 2>&1 || { echo "cannot read other processes' open files in /proc: run as root (become: true)" >&2; exit ${PROC_UNREADABLE}; }`,
    // find -lname takes a pattern: escape the pattern characters of the path (it is data)
    `g=$(printf '%s' "$d" | sed 's/[][*?\\\\]/\\\\&/g')`,
    'pids=$( {',
    '  find /proc/[0-9]*/fd /proc/[0-9]*/cwd -maxdepth 1 \\( -lname "$g" -o -lname "$g/*" \\) 2>/dev/null',
    '  grep -l -F -e " $d/" /proc/[0-9]*/maps 2>/dev/null',
    "} | sed -n 's#^/proc/\\([0-9][0-9]*\\)/.*#\\1#p' | sort -un)",
    'for p in $pids; do',
    '  [ "$p" = "$$" ] && continue',
    '  c=$(base64 -w 0 < /proc/$p/cmdline 2>/dev/null) || continue',
    '  echo "$p ${c:--}"',
    'done',
    'exit 0',
  ].join('\n');
}

/** `PID BASE64` lines; a process that was a zombie or kernel thread has `-` (no command line) */
export function parseProcLines(stdout: string): ProcEntry[] {
  const out: ProcEntry[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^(\d+) (\S+)$/.exec(line.trim());
    if (!m) continue;
    const raw = m[2] === '-' ? '' : Buffer.from(m[2]!, 'base64').toString('utf8');
    const argv = raw.split('\0');
    if (argv.length > 0 && argv[argv.length - 1] === '') argv.pop();
    out.push({ pid: Number(m[1]), argv });
  }
  return out;
}

/**
 * A process runs `command` when its argv is the command's words, the program compared by its
 * base name (kubelet and a container runtime resolve `etcd` to a path). A script started through
 * its `#!` line shows its interpreter first (`/usr/bin/python3 /usr/local/bin/kube-apiserver ...`):
 * up to two words before the program are allowed for that.
 */
export function runsCommand(argv: readonly string[], command: readonly string[]): boolean {
  if (command.length === 0) return false;
  const program = posix.basename(command[0]!);
  for (let k = 0; k <= 2; k++) {
    if (argv.length !== command.length + k || posix.basename(argv[k] ?? '') !== program) continue;
    if (command.every((w, i) => i === 0 || argv[i + k] === w)) return true;
  }
  return false;
}

/** `123 (etcd --name node1 ...)` for messages, cut so a long command line stays readable */
export function describeProcess(p: ProcEntry): string {
  const cmd = p.argv.length ? p.argv.join(' ') : '?';
  return `${p.pid} (${cmd.length > 100 ? `${cmd.slice(0, 97)}...` : cmd})`;
}
