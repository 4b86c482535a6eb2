import { existsSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import test from 'ava';
import { openLocalForward } from '../../../src/etcd/local-forward.js';
import { ScriptedTransport } from './fake-host.js';

/** a loopback echo server standing in for the member behind the SSH connection */
async function echoServer(): Promise<{ port: number; close: () => void }> {
  const server = net.createServer((s) => s.pipe(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

class ForwardingTransport extends ScriptedTransport {
  readonly forwards: Array<[string, number]> = [];
  constructor(private readonly realPort: number | undefined) {
    super('node1');
  }
  override async forward(host: string, port: number): Promise<Duplex> {
    this.forwards.push([host, port]);
    if (this.realPort === undefined) throw new Error('channel open failed: connect refused');
    return net.connect(this.realPort, '127.0.0.1');
  }
}

function roundTrip(socketPath: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(socketPath, () => c.write(text));
    let got = '';
    c.on('data', (d) => {
      got += d.toString();
      if (got.length >= text.length) {
        c.end();
        resolve(got);
      }
    });
    c.on('error', reject);
  });
}

test('connections to the local port reach the remote host:port, each on its own channel', async (t) => {
  const echo = await echoServer();
  const transport = new ForwardingTransport(echo.port);
  const fwd = await openLocalForward(transport, '10.250.1.11', 2379);
  t.is(fwd.target, '10.250.1.11:2379');
  t.is(await roundTrip(fwd.socketPath, 'hello'), 'hello');
  t.is(await roundTrip(fwd.socketPath, 'again'), 'again');
  t.deepEqual(transport.forwards, [
    ['10.250.1.11', 2379],
    ['10.250.1.11', 2379],
  ]);
  await fwd.close();
  echo.close();
});

test('a channel that cannot open closes the local connection and is reported', async (t) => {
  const transport = new ForwardingTransport(undefined);
  const errors: string[] = [];
  const fwd = await openLocalForward(transport, '10.250.1.11', 2379, (e) => errors.push(e.message));
  const closed = await new Promise<boolean>((resolve) => {
    const c = net.connect(fwd.socketPath);
    c.on('close', () => resolve(true));
    c.on('error', () => undefined);
  });
  t.true(closed);
  t.deepEqual(errors, ['channel open failed: connect refused']);
  await fwd.close();
});

test('close stops listening', async (t) => {
  const fwd = await openLocalForward(new ForwardingTransport(undefined), 'x', 1);
  await fwd.close();
  await t.throwsAsync(
    new Promise((_, reject) => {
      const c = net.connect(fwd.socketPath);
      c.on('error', reject);
      c.on('connect', () => reject(new Error('still listening')));
    }),
    { message: /ENOENT/ },
  );
  t.false(existsSync(path.dirname(fwd.socketPath)));
});

test('the socket lives in a directory of its own that only its owner can enter', async (t) => {
  const fwd = await openLocalForward(new ForwardingTransport(undefined), 'x', 1);
  const dir = path.dirname(fwd.socketPath);
  t.is(fwd.grpcTarget, `unix:${fwd.socketPath}`);
  t.is(statSync(dir).mode & 0o777, 0o700);
  t.is(statSync(dir).uid, process.getuid?.() ?? -1);
  t.true(statSync(fwd.socketPath).isSocket());
  await fwd.close();
});
