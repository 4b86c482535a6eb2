import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import test from 'ava';
import { sha256SidecarText, SnapshotStreamDecoder } from '../../../src/etcd/snapshot-stream.js';

/** messages as etcd's Snapshot RPC sends them: data chunks, then the sha256 of the data */
function messages(db: Buffer, chunk = 1000, opts: { revision?: string; dropHash?: boolean; corrupt?: boolean } = {}) {
  const out: object[] = [];
  for (let off = 0; off < db.length; off += chunk) {
    const blob = Buffer.from(db.subarray(off, off + chunk));
    if (opts.corrupt && off === 0) blob[0] = blob[0]! ^ 0xff;
    out.push({ blob, remaining_bytes: String(Math.max(0, db.length - off - chunk)), header: off === 0 ? { revision: opts.revision ?? '0' } : null });
  }
  if (!opts.dropHash) out.push({ blob: createHash('sha256').update(db).digest(), remaining_bytes: '0', header: null });
  return out;
}

async function decode(msgs: object[]) {
  const chunks: Buffer[] = [];
  const progress: number[] = [];
  const d = new SnapshotStreamDecoder((bytes) => progress.push(bytes));
  await pipeline(
    Readable.from(msgs),
    d,
    new Writable({
      write(c: Buffer, _e, cb) {
        chunks.push(c);
        cb();
      },
    }),
  );
  return { d, bytes: Buffer.concat(chunks), progress };
}

const db = Buffer.alloc(4096 * 3, 7);

test('passes the bytes through, hash included, and checks the hash', async (t) => {
  const { d, bytes, progress } = await decode(messages(db, 1000, { revision: '42' }));
  t.is(bytes.length, db.length + 32);
  t.is(d.bytes, db.length + 32);
  t.is(d.revision, 42);
  t.is(d.sha256, createHash('sha256').update(bytes).digest('hex'));
  t.is(progress.at(-1), db.length + 32);
});

test('chunk boundaries inside the trailing hash do not matter', async (t) => {
  const msgs = messages(db, 4096);
  // split the hash message in two
  const last = msgs.pop() as { blob: Buffer };
  msgs.push({ blob: last.blob.subarray(0, 5), remaining_bytes: '27' }, { blob: last.blob.subarray(5), remaining_bytes: '0' });
  const { d } = await decode(msgs);
  t.truthy(d.sha256);
});

test('a revision of 0 (etcd 3.4) is unknown', async (t) => {
  const { d } = await decode(messages(db));
  t.is(d.revision, undefined);
});

test('a stream that ends early fails', async (t) => {
  const msgs = messages(db).slice(0, 3);
  await t.throwsAsync(decode(msgs), { message: /ended early/ });
});

test('damaged data fails the hash check', async (t) => {
  await t.throwsAsync(decode(messages(db, 1000, { corrupt: true })), { message: /corrupt/ });
});

test('a stream without the hash fails the hash check', async (t) => {
  await t.throwsAsync(decode(messages(db, 1000, { dropHash: true })), { message: /corrupt/ });
});


test('sidecar in sha256sum format', (t) => {
  t.is(sha256SidecarText('ab'.repeat(32), 'x.db'), `${'ab'.repeat(32)}  x.db\n`);
});
