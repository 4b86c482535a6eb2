import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import test from 'ava';
import { FanOut } from '../../../src/modules/lib/fan-out.js';
import { collect } from '../../../src/modules/lib/remote-file.js';
import { sha } from './support/host-state.js';

const chunks = (n: number, size = 64 * 1024) => Array.from({ length: n }, (_, i) => Buffer.alloc(size, i & 0xff));

function countingSource(data: Buffer[]) {
  const opened = { count: 0 };
  return { opened, open: async () => (opened.count++, Readable.from(data)) };
}

test('fan-out: members that join together share one read of the source', async (t) => {
  const data = chunks(40);
  const src = countingSource(data);
  const fan = new FanOut(20);
  const members = [1, 2, 3].map(() => fan.join('k', src.open));
  const outs = members.map((m) => m.take());
  const bodies = await Promise.all(outs.map((o) => collect(o.stream)));
  t.is(src.opened.count, 1);
  for (const b of bodies) t.true(b.equals(Buffer.concat(data)));
  t.deepEqual(await outs[0]!.digest, { sha256: sha(Buffer.concat(data)), size: 40 * 64 * 1024 });
});

test('fan-out: the group waits for every member to decide, and a member may leave', async (t) => {
  const src = countingSource(chunks(3));
  const fan = new FanOut(5);
  const a = fan.join('k', src.open);
  const b = fan.join('k', src.open);
  const out = a.take();
  await new Promise((r) => setTimeout(r, 30));
  t.is(src.opened.count, 0, 'b has not decided yet');
  b.leave();
  await collect(out.stream);
  t.is(src.opened.count, 1);
});

test('fan-out: a late joiner gets its own read; nobody taking opens nothing', async (t) => {
  const src = countingSource(chunks(2));
  const fan = new FanOut(5);
  const first = fan.join('k', src.open).take();
  await collect(first.stream);
  const late = fan.join('k', src.open).take();
  await collect(late.stream);
  t.is(src.opened.count, 2);
  const idle = fan.join('other', src.open);
  idle.leave();
  await new Promise((r) => setTimeout(r, 20));
  t.is(src.opened.count, 2);
});

test('fan-out: a slow target slows the group but gets every byte; memory stays bounded', async (t) => {
  const data = chunks(200, 16 * 1024);
  let inFlight = 0;
  let maxAhead = 0;
  const source = new Readable({
    read() {
      const next = data[inFlight++];
      this.push(next ?? null);
    },
  });
  const fan = new FanOut(5);
  const fast = fan.join('k', async () => source).take();
  const slow = fan.join('k', async () => source).take();
  let slowBytes = 0;
  const slowSink = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _e, done) {
      slowBytes += chunk.length;
      maxAhead = Math.max(maxAhead, inFlight * 16 * 1024 - slowBytes);
      setTimeout(done, 1);
    },
  });
  const [fastBody] = await Promise.all([collect(fast.stream), pipeline(slow.stream, slowSink)]);
  t.is(fastBody.length, 200 * 16 * 1024);
  t.is(slowBytes, 200 * 16 * 1024);
  t.true(maxAhead < 1024 * 1024, `the source ran ${maxAhead} bytes ahead of the slow target`);
});

test('fan-out: a failing target is dropped, the others finish', async (t) => {
  const data = chunks(50);
  const fan = new FanOut(5);
  const src = countingSource(data);
  const ok = fan.join('k', src.open).take();
  const bad = fan.join('k', src.open);
  const badOut = bad.take();
  badOut.stream.once('data', () => bad.leave());
  const body = await collect(ok.stream);
  t.true(body.equals(Buffer.concat(data)));
});

test('fan-out: a source error reaches every member', async (t) => {
  const fan = new FanOut(5);
  const broken = async () =>
    new Readable({
      read() {
        this.destroy(new Error('cat: snap.db: Input/output error'));
      },
    });
  const a = fan.join('k', broken).take();
  const b = fan.join('k', broken).take();
  await t.throwsAsync(collect(a.stream), { message: /Input\/output error/ });
  await t.throwsAsync(collect(b.stream), { message: /Input\/output error/ });
  await t.throwsAsync(a.digest);
});

test('fan-out: once every expected host has joined and decided, the read starts without waiting out the window', async (t) => {
  const src = countingSource(chunks(2));
  const fan = new FanOut(60_000);
  const a = fan.join('k', src.open, 2);
  const b = fan.join('k', src.open, 2);
  const outs = [a.take(), b.take()];
  await Promise.all(outs.map((o) => collect(o.stream)));
  t.is(src.opened.count, 1, 'one shared read, well before the 60 s window');

  // fewer hosts than expected (one skipped the task): the window still decides
  const lone = new FanOut(1000).join('k', src.open, 2).take();
  const raced = await Promise.race([collect(lone.stream).then(() => 'read'), new Promise((r) => setTimeout(() => r('waiting'), 100))]);
  t.is(raced, 'waiting');
  lone.stream.destroy();
});

test('fan-out: the source is hashed only when a member asks for the hash', async (t) => {
  const data = chunks(4);
  const plain = new FanOut(5);
  const members = [plain.join('k', countingSource(data).open), plain.join('k', countingSource(data).open)];
  const outs = members.map((m) => m.take({ hash: false }));
  await Promise.all(outs.map((o) => collect(o.stream)));
  t.deepEqual(await outs[0]!.digest, { size: 4 * 64 * 1024 });

  const mixed = new FanOut(5);
  const src = countingSource(data);
  const a = mixed.join('k', src.open).take({ hash: false });
  const b = mixed.join('k', src.open).take();
  await Promise.all([collect(a.stream), collect(b.stream)]);
  t.deepEqual(await a.digest, { sha256: sha(Buffer.concat(data)), size: 4 * 64 * 1024 }, 'one member asked: everyone gets it');
});
