import { quote } from './shell-quote.js';

/**
 * The remote side of `put`: stdin into a file, on an exec channel rather than SFTP: as fast
 * (256 MB: 136-172 MB/s vs SFTP fastPut 108-152, docs/connections.md) and it works through sudo.
 * With a mode the file is created private (umask 077)
 * and chmod-ed before any byte is written, so a secret never sits in a world-readable file, not even
 * an existing one.
 *
 *   putCommand('/etc/etcd/pki/peer.key', 0o600) -> umask 077 && : > /etc/etcd/pki/peer.key && chmod 0600 ... && exec cat > ...
 */
export function putCommand(dest: string, mode?: number): string {
  const path = quote(dest);
  if (mode === undefined) return `exec cat > ${path}`;
  const octal = '0' + (mode & 0o7777).toString(8).padStart(3, '0');
  return `umask 077 && : > ${path} && chmod ${octal} ${path} && exec cat > ${path}`;
}

/** The remote side of `get`. */
export function getCommand(path: string): string {
  return `exec cat ${quote(path)}`;
}
