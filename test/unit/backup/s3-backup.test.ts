/**
 * The object-storage leg of a backup against a real S3-compatible server (s3rver on 127.0.0.1,
 * test/helpers/s3-server.ts), with a snapshot stream shaped as etcd sends it (messages with a
 * blob and remaining_bytes, etcd's sha256 as the last 32 bytes): what is stored is compressed
 * and encrypted, its metadata is beside it, it reads back to the same bytes; an interrupted
 * upload is aborted and nothing is listed; a damaged object or a wrong identity is refused.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import test from 'ava';
import type { BackupMeta } from '../../../src/backup/backup-meta.js';
import { backupToS3 } from '../../../src/backup/s3-backup.js';
import { s3Client } from '../../../src/backup/s3-client.js';
import { parseS3Prefix } from '../../../src/backup/s3-location.js';
import { openS3Backup, verifyS3Backup } from '../../../src/backup/s3-source.js';
import { S3BackupStore } from '../../../src/backup/s3-store.js';
import { scanBackups } from '../../../src/schedule/backup-name.js';
import { executePrune, planPrune } from '../../../src/schedule/prune.js';
import { SnapshotStreamDecoder } from '../../../src/etcd/snapshot-stream.js';
import { startTestS3, type TestS3 } from '../../helpers/s3-server.js';
import { makeAgeKeys } from '../../helpers/age-keys.js';

let s3: TestS3;
const keyDir = mkdtempSync(join(tmpdir(), 's3-backup-keys-'));
let keyFile = '';
let wrongKeyFile = '';
let recipient = '';

test.before(async () => {
  s3 = await startTestS3();
  Object.assign(process.env, s3.env);
  ({ keyFile, wrongKeyFile, recipient } = makeAgeKeys(keyDir));
});
test.after.always(async () => {
  await s3?.close();
  rmSync(keyDir, { recursive: true, force: true });
});

/** a snapshot as etcd streams it: body + sha256(body), in messages; optionally failing midway */
function etcdStream(body: Buffer, opts: { failAfter?: number } = {}): { source: Readable; file: Buffer } {
  const file = Buffer.concat([body, createHash('sha256').update(body).digest()]);
  async function* messages() {
    const step = 256 * 1024;
    for (let at = 0; at < file.length; at += step) {
      if (opts.failAfter !== undefined && at >= opts.failAfter) throw new Error('connection to the member lost');
      const blob = file.subarray(at, at + step);
      yield { blob, remaining_bytes: String(file.length - at - blob.length), header: at === 0 ? { revision: '42' } : null };
    }
  }
  return { source: Readable.from(messages()), file };
}

function request(prefix: string, source: Readable, recipients: string[]) {
  const decoder = new SnapshotStreamDecoder(() => seen());
  let seen!: () => void;
  const started = new Promise<void>((r) => (seen = r));
  const when = new Date('2026-12-04T10:00:00Z');
  return {
    location: parseS3Prefix(`s3://${s3.bucket}/${prefix}`),
    recipients,
    source,
    decoder,
    started,
    nameOf: () => `etcd-test-${when.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-rev${decoder.revision}.db.gz${recipients.length ? '.age' : ''}`,
    metaOf: async (stored: number): Promise<BackupMeta> => ({
      format: 'runbook-etcd-backup/1',
      sha256: decoder.sha256!,
      size: decoder.bytes,
      stored_size: stored,
      cluster: 'test',
      cluster_id: 'abc',
      member: 'm1',
      revision: decoder.revision!,
      etcd_version: '3.4.23',
      keys: 7,
      runbook_version: '0.1.0',
      created: when.toISOString(),
      compression: 'gzip',
      encryption: { kind: recipients.length ? 'age' : 'none', recipients },
    }),
  };
}

async function readAll(r: Readable): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of r) out.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(out);
}

test.serial('an encrypted backup is listed with its metadata and reads back to the same bytes', async (t) => {
  // half repetitive, half random: compresses, but not to nothing
  const body = Buffer.concat([Buffer.alloc(2_000_000, 'k'), randomBytes(1_000_000)]);
  const { source, file } = etcdStream(body);
  const res = await backupToS3(request('enc', source, [recipient]));
  t.regex(res.name, /^etcd-test-20261204T100000Z-rev42\.db\.gz\.age$/);
  t.is(res.meta.sha256, createHash('sha256').update(file).digest('hex'));
  t.is(res.meta.size, file.length);
  t.true(res.meta.stored_size < file.length, 'compressed');

  const store = new S3BackupStore(await s3Client(), parseS3Prefix(`s3://${s3.bucket}/enc`));
  const scan = scanBackups(await store.list());
  t.deepEqual(scan.backups.map((b) => [b.name, b.checksum]), [[res.name, `${res.name}.meta.json`]]);

  const backup = await openS3Backup(res.url, { identityFile: keyFile });
  t.deepEqual(backup.meta, res.meta);
  t.true((await readAll(await backup.open())).equals(file));

  // the stored object is age, readable by the age command with the same key
  const raw = await (await (await s3Client()).send(new (await import('@aws-sdk/client-s3')).GetObjectCommand({ Bucket: s3.bucket, Key: `enc/${res.name}` }))).Body!.transformToByteArray();
  t.is(Buffer.from(raw).subarray(0, 21).toString(), 'age-encryption.org/v1');
  const viaAge = execFileSync('sh', ['-c', `age -d -i ${keyFile} | gunzip`], { input: Buffer.from(raw), maxBuffer: 64 * 1024 * 1024 });
  t.true(viaAge.equals(file));

  const wrong = await openS3Backup(res.url, { identityFile: wrongKeyFile });
  await t.throwsAsync(verifyS3Backup(wrong), { message: /not encrypted for the given identity/ });
  await t.throwsAsync(openS3Backup(res.url, {}), { message: /encrypted with age: give the identity file/ });
});

test.serial('a damaged object is refused when read back', async (t) => {
  const { source } = etcdStream(randomBytes(300_000));
  const res = await backupToS3(request('damaged', source, [recipient]));
  const client = await s3Client();
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  const raw = Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `damaged/${res.name}` }))).Body!.transformToByteArray());
  raw[raw.length - 100]! ^= 0x01;
  await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `damaged/${res.name}`, Body: raw }));
  await t.throwsAsync(verifyS3Backup(await openS3Backup(res.url, { identityFile: keyFile })));

  // a plaintext backup whose body changed fails the sha256 check
  const plain = await backupToS3(request('damaged-plain', etcdStream(Buffer.alloc(500_000, 'x')).source, []));
  const { createGzip } = await import('node:zlib');
  const other = await readAll(Readable.from([Buffer.alloc(500_032, 'y')]).pipe(createGzip()));
  await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `damaged-plain/${plain.name}`, Body: other }));
  await t.throwsAsync(verifyS3Backup(await openS3Backup(plain.url, {})), { message: /is corrupt: .*sha256/ });
});

test.serial('an upload that fails midway is aborted and leaves nothing listed', async (t) => {
  // random data does not compress: well past one 8 MiB part before the stream breaks
  const { source } = etcdStream(randomBytes(20 * 1024 * 1024), { failAfter: 12 * 1024 * 1024 });
  const before = s3.requests.length;
  await t.throwsAsync(backupToS3(request('broken', source, [recipient])), { message: /connection to the member lost/ });
  const sent = s3.requests.slice(before);
  t.true(sent.some((r) => r.method === 'PUT' && /partNumber=1/.test(r.url)), 'a part was uploaded');
  t.true(sent.some((r) => r.method === 'DELETE' && /uploadId=/.test(r.url)), 'the multipart upload was aborted');
  const store = new S3BackupStore(await s3Client(), parseS3Prefix(`s3://${s3.bucket}/broken`));
  t.deepEqual(await store.listAll(), []);
});

test.serial('a snapshot that fails etcd\'s own hash is not stored', async (t) => {
  const body = randomBytes(100_000);
  const file = Buffer.concat([body, Buffer.alloc(32, 0)]);
  const source = Readable.from([{ blob: file, remaining_bytes: '0', header: { revision: '5' } }]);
  await t.throwsAsync(backupToS3(request('badhash', source, [recipient])), { message: /corrupt/ });
  const store = new S3BackupStore(await s3Client(), parseS3Prefix(`s3://${s3.bucket}/badhash`));
  t.deepEqual(await store.listAll(), []);
});

test.serial('prune on a prefix keeps the newest N and leaves other objects alone', async (t) => {
  const client = await s3Client();
  const names = ['etcd-p-20261201T000000Z-rev1.db.gz.age', 'etcd-p-20261202T000000Z-rev2.db.gz.age', 'etcd-p-20261203T000000Z-rev3.db.gz.age'];
  const put = (k: string, b: string) => client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `prune/${k}`, Body: b }));
  for (const n of names) {
    await put(n, 'x');
    await put(`${n}.meta.json`, '{}');
  }
  // an upload without its metadata is not a backup: never listed, never pruned
  await put('etcd-p-20261130T000000Z-rev0.db.gz.age', 'unfinished');
  await put('notes.txt', 'kept');
  const store = new S3BackupStore(client, parseS3Prefix(`s3://${s3.bucket}/prune/`));
  const plan = await planPrune(store, { keep_last: 2 }, new Date('2026-12-04T00:00:00Z'));
  t.deepEqual(plan.remove.map((b) => b.name), [names[0]]);
  await executePrune(store, plan);
  t.deepEqual((await store.listAll()).map((e) => e.name).sort(), [
    'etcd-p-20261130T000000Z-rev0.db.gz.age',
    `${names[1]}`,
    `${names[1]}.meta.json`,
    `${names[2]}`,
    `${names[2]}.meta.json`,
    'notes.txt',
  ]);
});
