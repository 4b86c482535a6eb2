/**
 * Member certificates name members by IP, so the gRPC client verifies the server against an IP,
 * and grpc-js also sends that IP as TLS SNI. Node then prints a one-time DEP0123 warning
 * ("Setting the TLS ServerName to an IP address...") into the operator's output. etcd ignores
 * SNI and the certificate check is unaffected, so the warning is only noise.
 *
 * Node warns once per process: we use up that one time while deprecation warnings are muted,
 * and every other deprecation warning still shows.
 */
import { PassThrough } from 'node:stream';
import tls from 'node:tls';

let done = false;

export function quietIpServernameWarning(): void {
  if (done) return;
  done = true;
  const before = process.noDeprecation;
  process.noDeprecation = true;
  try {
    // a TLS socket over an in-memory stream: nothing is sent anywhere
    const s = tls.connect({ socket: new PassThrough(), servername: '127.0.0.1' });
    s.on('error', () => undefined);
    s.destroy();
  } catch {
    // only a cosmetic measure
  } finally {
    process.noDeprecation = before;
  }
}
