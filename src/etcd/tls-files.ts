/**
 * Client certificates are read from the host over SSH into memory and handed to the gRPC
 * client. They are never written on the controller: a backup job must not leave the cluster's
 * client key in a temp dir. Nor do they become events: they are read with `secretOutput`, so no
 * reporter, run record or `-o json` stream ever carries the key, which opens every Secret of the
 * cluster.
 */
import { quote } from '../transport/shell-quote.js';
import type { Become, Transport } from '../transport/types.js';
import type { EtcdTlsFiles } from './host-config.js';

/** a certificate file that cannot be used; its message is complete, with the fix */
export class EtcdTlsFileError extends Error {}

export interface TlsMaterial {
  rootCertificate: Buffer;
  certChain?: Buffer;
  privateKey?: Buffer;
}

async function readRemote(transport: Transport, path: string, become: Become | false, what: string): Promise<Buffer> {
  const r = await transport.exec(`cat -- ${quote(path)}`, { become, timeoutMs: 30_000, secretOutput: true });
  if (r.exitCode !== 0) {
    const why = r.stderr.trim().split('\n').pop() ?? '';
    const hint = /permission denied/i.test(why) && !become ? ' (run the task with become: true)' : '';
    throw new EtcdTlsFileError(`${transport.host}: cannot read the etcd ${what} ${path}: ${why}${hint}`);
  }
  if (!r.stdout.includes('-----BEGIN')) throw new EtcdTlsFileError(`${transport.host}: ${path} (etcd ${what}) is not a PEM file`);
  return Buffer.from(r.stdout, 'utf8');
}

export async function readTlsMaterial(transport: Transport, files: EtcdTlsFiles, become: Become | false): Promise<TlsMaterial> {
  const [rootCertificate, certChain, privateKey] = await Promise.all([
    readRemote(transport, files.cacert, become, 'CA certificate (etcd_cacert)'),
    files.cert !== undefined ? readRemote(transport, files.cert, become, 'client certificate (etcd_cert)') : undefined,
    files.key !== undefined ? readRemote(transport, files.key, become, 'client key (etcd_key)') : undefined,
  ]);
  return { rootCertificate, certChain, privateKey };
}
