import type { Duplex } from 'node:stream';
import ssh2, { type ConnectConfig } from 'ssh2';
import { ConnectError } from '../errors.js';
import { createAuth } from './auth.js';
import { ConnectDeadline } from './connect-deadline.js';
import { loadHostKeyPolicy } from './host-key-policy.js';
import { describeSocketError, openTcp } from './tcp-connect.js';
import type { ConnectHooks, ConnectionSpec, Transport } from './types.js';

// ssh2 is CommonJS; Node's ESM loader cannot see its named exports
const { Client } = ssh2;
export type SshClient = InstanceType<typeof Client>;

/** Connect, verify the host key and authenticate, all within spec.connectTimeoutMs (prompts excluded). */
export async function handshake(spec: ConnectionSpec, hooks: ConnectHooks, jump: Transport | undefined): Promise<SshClient> {
  const where = `${spec.address}:${spec.port}`;
  const controller = new AbortController();
  const deadline = new ConnectDeadline(spec.connectTimeoutMs, () =>
    controller.abort(
      new ConnectError(
        spec.name,
        `timed out after ${spec.connectTimeoutMs / 1000}s connecting to ${where}${jump ? ` through ${jump.host}` : ''}`,
        'is the address right and the host up? A firewall that drops packets looks like this',
      ),
    ),
  );
  try {
    const policy = await loadHostKeyPolicy(spec, hooks);
    const sock = await openStream(spec, jump, controller.signal);
    const auth = createAuth(spec, hooks, { promptStarted: deadline.pause, promptEnded: deadline.resume });
    const client = new Client();
    // ssh2 may emit more errors after the one that failed the handshake; they must not crash the run
    client.on('error', () => {});

    const classify = (err: Error & { level?: string; code?: string }): ConnectError => {
      if (policy.rejection) return policy.rejection;
      if (err.level === 'client-authentication') return auth.failure();
      if (err.level === 'client-socket') return new ConnectError(spec.name, `${where}: ${describeSocketError(err)}`);
      return new ConnectError(spec.name, `ssh handshake with ${where} failed: ${err.message}`, undefined, { cause: err });
    };

    await new Promise<void>((resolve, reject) => {
      const settle = (err?: ConnectError): void => {
        client.off('error', onError).off('close', onClose).off('ready', onReady);
        controller.signal.removeEventListener('abort', onAbort);
        if (!err) return resolve();
        client.destroy();
        sock.destroy();
        reject(err);
      };
      const onAbort = (): void => settle(controller.signal.reason as ConnectError);
      const onError = (err: Error): void => settle(classify(err));
      const onClose = (): void =>
        settle(policy.rejection ?? new ConnectError(spec.name, `${where} closed the connection during the ssh handshake`));
      const onReady = (): void => settle();
      controller.signal.addEventListener('abort', onAbort, { once: true });
      client.on('error', onError).once('close', onClose).once('ready', onReady);
      const config: ConnectConfig = {
        sock: sock as ConnectConfig['sock'],
        username: spec.user,
        // no hostHash: the verifier gets the raw key blob and fingerprints it itself
        hostVerifier: (key: Buffer) => policy.verify(key),
        algorithms: { serverHostKey: policy.preferredAlgorithms as never },
        authHandler: auth.handler,
        // the deadline above covers the handshake, without the prompts ssh2's readyTimeout would count
        readyTimeout: 0,
        keepaliveInterval: spec.keepaliveIntervalMs,
        keepaliveCountMax: spec.keepaliveCountMax ?? 3,
      };
      if (hooks.debug) config.debug = hooks.debug;
      try {
        client.connect(config);
      } catch (err) {
        settle(new ConnectError(spec.name, `cannot start ssh to ${where}: ${(err as Error).message}`));
      }
    });
    return client;
  } catch (err) {
    // an unreadable known_hosts file and the like: still this host's connection failure
    if (err instanceof ConnectError) throw err;
    throw new ConnectError(spec.name, `cannot connect to ${where}: ${(err as Error).message}`, undefined, { cause: err });
  } finally {
    deadline.clear();
  }
}

/** The byte stream the ssh protocol runs over: a TCP socket, or a channel through the jump host. */
async function openStream(spec: ConnectionSpec, jump: Transport | undefined, signal: AbortSignal): Promise<Duplex> {
  const where = `${spec.address}:${spec.port}`;
  if (jump) {
    const forwarded = jump.forward(spec.address, spec.port);
    const aborted = new Promise<never>((_, reject) => {
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
    try {
      return await Promise.race([forwarded, aborted]);
    } catch (err) {
      forwarded.then((s) => s.destroy(), () => {});
      if (signal.aborted) throw signal.reason;
      throw new ConnectError(spec.name, `cannot reach ${where} through jump host ${jump.host}: ${(err as Error).message}`);
    }
  }
  try {
    return await openTcp(spec.address, spec.port, { noDelay: spec.tcpNoDelay ?? true, signal });
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    throw new ConnectError(spec.name, `cannot connect to ${where}: ${describeSocketError(err as NodeJS.ErrnoException)}`);
  }
}
