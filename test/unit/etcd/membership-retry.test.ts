import test from 'ava';
import { retryWhileSettling } from '../../../src/etcd/membership-retry.js';

test('retries "unhealthy cluster" until the change goes through', async (t) => {
  let calls = 0;
  const retries: string[] = [];
  const r = await retryWhileSettling(
    async () => {
      calls++;
      if (calls < 2) throw new Error('14 UNAVAILABLE: etcdserver: unhealthy cluster');
      return 'added';
    },
    { settleMs: 5000, onRetry: (m) => retries.push(m) },
  );
  t.is(r, 'added');
  t.is(calls, 2);
  t.is(retries.length, 1);
});

test('other errors are not retried', async (t) => {
  let calls = 0;
  await t.throwsAsync(
    retryWhileSettling(async () => {
      calls++;
      throw new Error('etcdserver: Peer URLs already exists');
    }, { settleMs: 5000 }),
    { message: /already exists/ },
  );
  t.is(calls, 1);
});

test('a refusal that lasts is reported once the settle time is used up', async (t) => {
  let calls = 0;
  await t.throwsAsync(
    retryWhileSettling(async () => {
      calls++;
      throw new Error('etcdserver: unhealthy cluster');
    }, { settleMs: 0 }),
    { message: /unhealthy cluster/ },
  );
  t.is(calls, 1);
});
