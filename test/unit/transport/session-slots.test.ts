import test from 'ava';
import { SessionSlots } from '../../../src/transport/session-slots.js';

test('waiters get slots in order as they free up', async (t) => {
  const slots = new SessionSlots(2);
  await slots.acquire();
  await slots.acquire();
  const order: number[] = [];
  const third = slots.acquire().then(() => order.push(3));
  const fourth = slots.acquire().then(() => order.push(4));
  t.is(slots.inUse, 2);
  slots.release();
  await third;
  t.deepEqual(order, [3]);
  slots.release();
  await fourth;
  t.deepEqual(order, [3, 4]);
  t.is(slots.inUse, 2);
});

test('shrink lowers the limit to what the server accepted', async (t) => {
  const slots = new SessionSlots(10);
  for (let i = 0; i < 4; i++) await slots.acquire();
  // the fourth open was refused: the server allows three
  slots.shrink();
  slots.release();
  let got = false;
  void slots.acquire().then(() => (got = true));
  await new Promise((r) => setImmediate(r));
  t.false(got);
  slots.release();
  await new Promise((r) => setImmediate(r));
  t.true(got);
});

test('an abort while waiting leaves the queue', async (t) => {
  const slots = new SessionSlots(1);
  await slots.acquire();
  const ac = new AbortController();
  const waiting = slots.acquire(ac.signal);
  ac.abort(new Error('stop'));
  await t.throwsAsync(waiting, { message: 'stop' });
  slots.release();
  t.is(slots.inUse, 0);
  await t.throwsAsync(slots.acquire(ac.signal), { message: 'stop' });
});
