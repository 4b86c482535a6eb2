import { createServer } from 'node:net';
import test from 'ava';
import { ConnectError } from '../../../src/errors.js';
import { ConnectionPool } from '../../../src/transport/pool.js';
import type { ConnectionSpec } from '../../../src/transport/types.js';
import { testSpec } from '../../helpers/connection-spec.js';

function spec(name: string, over: Partial<ConnectionSpec> = {}): ConnectionSpec {
  return testSpec({ name, connection: 'local', address: 'localhost', connectTimeoutMs: 500, ...over });
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

test('connectAll reports each host as a transport or a ConnectError, in the given order', async (t) => {
  const port = await closedPort();
  const specs = new Map([
    ['a', spec('a')],
    ['down', spec('down', { connection: 'ssh', address: '127.0.0.1', port })],
    ['b', spec('b')],
  ]);
  const pool = new ConnectionPool(specs);
  const results = await pool.connectAll(['a', 'down', 'b', 'unknown'], { concurrency: 2 });
  t.deepEqual([...results.keys()], ['a', 'down', 'b', 'unknown']);
  t.is((results.get('a') as { host: string }).host, 'a');
  t.true(results.get('down') instanceof ConnectError);
  t.true(results.get('unknown') instanceof ConnectError);
  t.regex((results.get('unknown') as Error).message, /no connection settings/);
  await pool.closeAll();
});

test('get connects once per host and hands out the same transport', async (t) => {
  let resolved = 0;
  const pool = new ConnectionPool((host) => {
    resolved++;
    return spec(host);
  });
  const [x, y] = await Promise.all([pool.get('h'), pool.get('h')]);
  t.is(x, y);
  t.is(await pool.get('h'), x);
  t.is(resolved, 1);
  await pool.closeAll();
  await t.throwsAsync(pool.get('h'), { instanceOf: ConnectError });
  await t.throwsAsync(x.exec('true'), { instanceOf: ConnectError });
});

test('a failed connection is not memoised, so a later get retries', async (t) => {
  const port = await closedPort();
  let attempts = 0;
  const pool = new ConnectionPool(() => {
    attempts++;
    return spec('down', { connection: 'ssh', address: '127.0.0.1', port });
  });
  await t.throwsAsync(pool.get('down'), { instanceOf: ConnectError });
  await t.throwsAsync(pool.get('down'), { instanceOf: ConnectError });
  t.is(attempts, 2);
});
