import { quote } from './shell-quote.js';

/**
 * The remote side of `put`: stdin into a NEW file, on an exec channel rather than SFTP: as fast
 * (256 MB: 136-172 MB/s vs SFTP fastPut 108-152, docs/connections.md) and it works through sudo.
 *
 * put only ever creates: it refuses a path where anything already exists (a file, a directory, a
 * symlink, even a dangling one), and creates the file exclusively (noclobber, O_EXCL), so it can
 * never be made to write through a link that someone who can write the directory planted there.
 * Callers write to a fresh random name in the target directory and rename it into place with
 * `mv -T` (install-file.ts, snapshot-sink.ts). The random name is what closes the last gap: a
 * shell's noclobber still opens an existing non-regular file (a link to a device), and nobody
 * can plant one at a name they cannot guess.
 *
 * With a mode the file is born with it (the umask is its complement), so a secret never sits in
 * a world-readable file; only set-id, sticky and execute bits need a chmod afterwards.
 *
 *   putCommand('/etc/etcd/.peer.key.tmp-1a2b', 0o600)
 *     -> umask 0177 && if [ -e P ] || [ -L P ]; then ...; exit 1; fi && set -C && exec >P && exec cat
 */
export function putCommand(dest: string, mode?: number): string {
  const path = quote(dest);
  const steps: string[] = [];
  if (mode !== undefined) steps.push(`umask ${octal(~mode & 0o777)}`);
  const refusal = quote(`refusing to write ${dest}: something already exists at that path`);
  steps.push(`if [ -e ${path} ] || [ -L ${path} ]; then echo ${refusal} >&2; exit 1; fi`);
  steps.push('set -C', `exec >${path}`);
  if (mode !== undefined && (mode & 0o7111) !== 0) steps.push(`chmod ${octal(mode & 0o7777)} ${path}`);
  steps.push('exec cat');
  return steps.join(' && ');
}

function octal(n: number): string {
  return '0' + n.toString(8).padStart(3, '0');
}

/** The remote side of `get`. */
export function getCommand(path: string): string {
  return `exec cat ${quote(path)}`;
}
