/**
 * For the code cache's training run only (train-cache.ts): an SSH server on 127.0.0.1 that
 * lets in one generated key and runs each `exec` with /bin/sh as the building user. The run
 * goes through the same SSH client code (ssh2's handshake, ciphers and channels, our host key
 * check and authentication) as an apply against real hosts, so the cache holds those
 * functions compiled; trained over local connections, a real apply would compile them on
 * every start (about 12 ms).
 *
 * It uses ssh2 from node_modules, not the bundle's copy: the server's functions do not belong
 * in the cache.
 */
import { spawn } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import { loadableKeyPair } from './key-pair.js';

const { Server, utils } = ssh2;

export interface TrainingServer {
  port: number;
  /** `[127.0.0.1]:PORT ssh-ed25519 AAAA…`, the line for a known_hosts file */
  knownHostsLine: string;
  /** the private key (OpenSSH format) the server lets in */
  clientKey: string;
}

/** Listening once it resolves; it does not keep the process alive (unref) once clients are gone. */
export async function startTrainingServer(): Promise<TrainingServer> {
  const host = loadableKeyPair('ed25519');
  const client = loadableKeyPair('ed25519');
  const allowed = utils.parseKey(client.public);
  if (allowed instanceof Error || Array.isArray(allowed)) throw new Error('could not read the generated client key');
  const allowedBlob = allowed.getPublicSSH();

  const server = new Server({ hostKeys: [host.private] }, (conn) => {
    conn.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey' || ctx.key.algo !== allowed.type || ctx.key.data.length !== allowedBlob.length || !timingSafeEqual(ctx.key.data, allowedBlob)) {
        return ctx.reject(['publickey']);
      }
      // the first offer has no signature: the client asks whether this key would do
      if (!ctx.signature) return ctx.accept();
      return allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true ? ctx.accept() : ctx.reject(['publickey']);
    });
    conn.on('ready', () => {
      conn.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('exec', (acceptExec, _reject, info) => {
          const stream = acceptExec();
          const child = spawn('/bin/sh', ['-c', info.command], { stdio: 'pipe' });
          stream.pipe(child.stdin);
          child.stdout.pipe(stream, { end: false });
          child.stderr.pipe(stream.stderr, { end: false });
          child.on('close', (code, signal) => {
            if (signal) stream.exit(signal.replace(/^SIG/, ''), false, '');
            else stream.exit(code ?? 0);
            stream.end();
          });
          child.on('error', () => {
            stream.exit(127);
            stream.end();
          });
        });
      });
    });
    conn.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.unref();
  const { port } = server.address() as AddressInfo;
  const hostPublic = host.public.trim().split(/\s+/).slice(0, 2).join(' ');
  return { port, knownHostsLine: `[127.0.0.1]:${port} ${hostPublic}`, clientKey: client.private };
}
