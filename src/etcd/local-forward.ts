/**
 * `ssh -L` in-process: a listener whose connections are piped to host:port as seen from the
 * remote host, over its existing SSH connection. The etcd client connects to the listener, so
 * etcd's client port never has to be reachable from the controller.
 *
 * The listener is a Unix socket in a directory of its own created 0700 (mkdtemp), never a TCP
 * port: a loopback port has no owner, and any local user could reach etcd through it with the
 * run's access (for a cluster without client certificates, full read and write). Only the user
 * that runs runbook (and root) can enter the directory.
 *
 *   const fwd = await openLocalForward(transport, '10.0.0.1', 2379);
 *   new Etcd3({hosts: fwd.grpcTarget}); ... await fwd.close();
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import type { Transport } from '../transport/types.js';

export interface LocalForward {
  /** the socket's path */
  socketPath: string;
  /** `unix:<path>`, the target gRPC dials */
  grpcTarget: string;
  /** `${remote host}:${port}` for messages */
  target: string;
  close(): Promise<void>;
}

/** sun_path holds 108 bytes; a long TMPDIR falls back to /tmp */
const MAX_SOCKET_PATH = 100;

/** directories of open forwards, removed on exit even when a run ends without close() */
const openDirs = new Set<string>();
let exitHookInstalled = false;

function removeDir(dir: string): void {
  openDirs.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}

function privateSocketDir(): string {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const dir of openDirs) removeDir(dir);
    });
  }
  const base = tmpdir();
  const parent = base.length + 30 > MAX_SOCKET_PATH ? '/tmp' : base;
  // mkdtemp creates the directory 0700 with a random name, and fails rather than reuse one
  const dir = mkdtempSync(path.join(parent, 'runbook-etcd-'));
  openDirs.add(dir);
  return dir;
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

  const dir = privateSocketDir();
  const socketPath = path.join(dir, 'etcd.sock');
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ path: socketPath, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    removeDir(dir);
    throw err;
  }

  return {
    socketPath,
    grpcTarget: `unix:${socketPath}`,
    target: `${remoteHost}:${remotePort}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        for (const c of channels) c.destroy();
        server.close(() => {
          removeDir(dir);
          resolve();
        });
      }),
  };
}
