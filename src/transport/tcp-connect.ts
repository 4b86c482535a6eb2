import { connect, type Socket } from 'node:net';

/**
 * The TCP socket under an ssh connection, opened here rather than by ssh2 so that Nagle can be
 * turned off: with it on, every small packet after the first waits for the peer's delayed ACK and
 * each command round trip costs ~40 ms more (loopback: 2.5 ms with NODELAY, 44.7 ms without;
 * docs/connections.md).
 */
export function openTcp(
  address: string,
  port: number,
  opts: { noDelay?: boolean; signal?: AbortSignal } = {},
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: address, port });
    sock.setNoDelay(opts.noDelay ?? true);
    const onAbort = (): void => {
      sock.destroy();
      reject(opts.signal!.reason);
    };
    const done = (): void => {
      opts.signal?.removeEventListener('abort', onAbort);
      sock.removeListener('error', onError);
    };
    const onError = (err: NodeJS.ErrnoException): void => {
      done();
      reject(err);
    };
    sock.once('connect', () => {
      done();
      resolve(sock);
    });
    sock.once('error', onError);
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A socket error as an operator reads it. */
export function describeSocketError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connection refused (is sshd running and listening on that port?)';
    case 'EHOSTUNREACH':
      return 'host unreachable';
    case 'ENETUNREACH':
      return 'network unreachable';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'ECONNRESET':
      return 'connection reset by the server';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve the address (${err.code})`;
    default:
      return err.message;
  }
}
