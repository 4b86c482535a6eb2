/**
 * etcd's Snapshot RPC through an SSH-forwarded local port, the way src/etcd/local-forward.ts
 * carries every etcd call (a 127.0.0.1 listener piped into an ssh2 forwardOut channel), with the
 * accepted socket left as Node creates it (Nagle on, as local-forward.ts had it before the fix) or with
 * setNoDelay(true). Measures the rate the snapshot arrives at, for at most `capMs`.
 */
import net from 'node:net';
import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import { Etcd3 } from 'etcd3';
import { readKnownHosts } from './floor-ssh2.js';
import type { Cluster } from './lib/sandbox.js';

export interface ForwardRate {
  noDelay: boolean;
  bytes: number;
  ms: number;
  mbPerS: number;
  /** the whole snapshot arrived within capMs */
  complete: boolean;
}

export async function forwardedSnapshotRate(c: Cluster, noDelay: boolean, capMs: number): Promise<ForwardRate> {
  const h = c.hosts[0]!;
  const known = readKnownHosts(c.knownHosts);
  const client = new ssh2.Client();
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', reject);
    client.connect({
      host: h.ip,
      username: c.user,
      privateKey: readFileSync(c.keyFile),
      hostVerifier: (key: Buffer) => known.get(h.ip)?.has(key.toString('base64')) === true,
    });
  });
  const server = net.createServer((sock) => {
    if (noDelay) sock.setNoDelay(true);
    sock.pause();
    client.forwardOut('127.0.0.1', 0, h.ip, 2379, (err, ch) => {
      if (err) return sock.destroy();
      sock.pipe(ch);
      ch.pipe(sock);
      ch.on('close', () => sock.destroy());
      sock.on('close', () => ch.destroy());
      sock.resume();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  const etcd = new Etcd3({ hosts: `http://127.0.0.1:${port}` });
  let bytes = 0;
  let complete = false;
  const t0 = performance.now();
  try {
    // the deadline is the cap: the call ends with DEADLINE_EXCEEDED, which is not a failure here
    const stream = await etcd.maintenance.snapshot({ deadline: Date.now() + capMs });
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (m: { blob: Buffer }) => {
        bytes += m.blob.length;
      });
      stream.on('end', () => {
        complete = performance.now() - t0 < capMs - 50;
        resolve();
      });
      stream.on('error', (err: Error) => {
        if (performance.now() - t0 >= capMs - 50) resolve();
        else reject(err);
      });
    });
  } finally {
    etcd.close();
    client.end();
    server.close();
  }
  const ms = performance.now() - t0;
  return { noDelay, bytes, ms, mbPerS: bytes / 1e6 / (ms / 1000), complete };
}
