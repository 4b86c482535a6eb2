/**
 * `ssh -L` in-process: a listener on 127.0.0.1 whose connections are piped to host:port as seen
 * from the remote host, over its existing SSH connection. The etcd client connects to the
 * listener, so etcd's client port never has to be reachable from the controller.
 *
 *   const fwd = await openLocalForward(transport, '10.0.0.1', 2379);
 *   new Etcd3({hosts: `http://127.0.0.1:${fwd.port}`}); ... await fwd.close();
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Transport } from '../transport/types.js';

export interface LocalForward {
  port: number;
  /** `${remote host}:${port}` for messages */
  target: string;
  close(): Promise<void>;
}

export async function openLocalForward(
  transport: Transport,
  remoteHost: string,
  remotePort: number,
  onError?: (err: Error) => void,
): Promise<LocalForward> {
  const sockets = new Set<net.Socket>();
  const channels = new Set<Duplex>();

  const server = net.createServer((socket) => {
    sockets.add(socket);
    // Nagle on this loopback hop with gRPC's small frames and delayed ACKs held a snapshot
    // stream at ~1.4 MB/s; without it, 40-60 MB/s
    socket.setNoDelay(true);
    // idle forwards must not keep the process alive; gRPC holds its own end while a call runs
    socket.unref();
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.pause();
    transport.forward(remoteHost, remotePort).then(
      (channel) => {
        if (socket.destroyed) {
          channel.destroy();
          return;
        }
        channels.add(channel);
        (channel as Duplex & { unref?: () => void }).unref?.();
        const done = () => {
          channels.delete(channel);
          channel.destroy();
          socket.destroy();
        };
        channel.on('error', done);
        channel.on('close', done);
        socket.on('close', done);
        socket.pipe(channel);
        channel.pipe(socket);
        socket.resume();
      },
      (err: Error) => {
        // the client sees a reset and reports "unavailable"; the reason goes to the log
        onError?.(err);
        socket.destroy();
      },
    );
  });
  // a forgotten listener must not keep the process alive after the run
  server.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('local forward did not get a TCP port');

  return {
    port: address.port,
    target: `${remoteHost}:${remotePort}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        for (const c of channels) c.destroy();
        server.close(() => resolve());
      }),
  };
}
