import { createServer, type Server } from 'node:net';
import test from 'ava';
import { ConnectError } from '../../../src/errors.js';
import { connectSsh } from '../../../src/transport/ssh.js';
import type { ConnectionSpec } from '../../../src/transport/types.js';
import { testSpec } from '../../helpers/connection-spec.js';

// Only loopback: a closed port and a listener that never speaks ssh.

function spec(port: number, over: Partial<ConnectionSpec> = {}): ConnectionSpec {
  return testSpec({ address: '127.0.0.1', port, connectTimeoutMs: 500, ...over });
}

async function listen(onConn: (s: import('node:net').Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onConn);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port };
}

test('a closed port is a ConnectError naming the host and the reason', async (t) => {
  const { server, port } = await listen(() => {});
  server.close();
  const err = await t.throwsAsync(connectSsh(spec(port)), { instanceOf: ConnectError });
  t.is(err!.message, `node1: cannot connect to 127.0.0.1:${port}: connection refused (is sshd running and listening on that port?)`);
  t.is(err!.exitCode, 4);
});

test('a server that never answers the handshake times out within the connect timeout', async (t) => {
  const sockets: import('node:net').Socket[] = [];
  const { server, port } = await listen((s) => sockets.push(s));
  const started = Date.now();
  const err = await t.throwsAsync(connectSsh(spec(port)), { instanceOf: ConnectError });
  t.regex(err!.message, /timed out after 0.5s connecting to 127\.0\.0\.1:\d+/);
  t.true(Date.now() - started < 2000);
  sockets.forEach((s) => s.destroy());
  server.close();
});

test('a server that is not ssh fails the handshake', async (t) => {
  const { server, port } = await listen((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
  const err = await t.throwsAsync(connectSsh(spec(port, { connectTimeoutMs: 2000 })), { instanceOf: ConnectError });
  t.regex(err!.message, /node1: /);
  server.close();
});
