/**
 * GET a member's /metrics through the SSH connection of its host: an ssh direct-tcpip channel to
 * the metrics address as the host sees it (the client URL, or `--listen-metrics-urls`, often
 * http://127.0.0.1:2381 on kubeadm hosts), TLS on top of the channel when the URL is https. No
 * port opens on the controller, and etcd's ports need not be reachable from it.
 *
 * HTTP/1.0 without keep-alive: the server closes after the body, so the response needs no
 * chunked decoding and the channel ends with it.
 */
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { isIP } from 'node:net';
import { parseEndpoint } from '../etcd/host-config.js';
import type { TlsMaterial } from '../etcd/tls-files.js';
import type { Transport } from '../transport/types.js';

export async function fetchMetrics(transport: Transport, url: string, tlsMaterial: TlsMaterial | undefined, timeoutMs: number): Promise<string> {
  const ep = parseEndpoint(url);
  if (ep.tls && !tlsMaterial) throw new Error(`${url} is https but ${transport.host} has no etcd_cacert to verify it with`);
  const channel = await transport.forward(ep.host, ep.port);
  let stream: Duplex = channel;
  try {
    if (ep.tls && tlsMaterial) {
      stream = await new Promise<Duplex>((resolve, reject) => {
        const s = tls.connect({
          socket: channel,
          ca: tlsMaterial.rootCertificate,
          cert: tlsMaterial.certChain,
          key: tlsMaterial.privateKey,
          // SNI takes names only; the certificate is still checked against the IP
          servername: isIP(ep.host) ? undefined : ep.host,
          checkServerIdentity: (_h, cert) => tls.checkServerIdentity(ep.host, cert),
        });
        s.once('secureConnect', () => resolve(s));
        s.once('error', reject);
      });
    }
    const path = new URL(url).pathname === '/' ? '/metrics' : new URL(url).pathname;
    return await new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => {
        stream.destroy();
        reject(new Error(`no answer from ${url}${path} within ${timeoutMs} ms`));
      }, timeoutMs);
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      stream.once('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        const split = text.indexOf('\r\n\r\n');
        const status = /^HTTP\/\d\.\d (\d+)/.exec(text)?.[1];
        if (split < 0 || status === undefined) return reject(new Error(`${url}${path} answered something that is not HTTP`));
        if (status !== '200') return reject(new Error(`${url}${path} answered HTTP ${status}`));
        resolve(text.slice(split + 4));
      });
      stream.write(`GET ${path} HTTP/1.0\r\nHost: ${ep.host}:${ep.port}\r\nUser-Agent: runbook-diagnose\r\n\r\n`);
    });
  } finally {
    stream.destroy();
    channel.destroy();
  }
}
