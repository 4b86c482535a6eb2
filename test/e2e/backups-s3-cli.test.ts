/**
 * `runbook backups list|prune --dir s3://...` through the built command line against a real
 * S3-compatible server on 127.0.0.1 (test/helpers/s3-server.ts): retention on a prefix keeps
 * the right backups, leaves other objects and unfinished uploads (no metadata) alone, and a
 * dry run deletes nothing. No sandbox: nothing here talks to etcd.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import test from 'ava';
import { s3Client } from '../../src/backup/s3-client.js';
import { parseS3Prefix } from '../../src/backup/s3-location.js';
import { S3BackupStore } from '../../src/backup/s3-store.js';
import { runCli } from '../helpers/runbook-cli.js';
import { startTestS3, type TestS3 } from '../helpers/s3-server.js';

let s3: TestS3;
test.before(async () => {
  s3 = await startTestS3();
  Object.assign(process.env, s3.env);
});
test.after.always(async () => {
  await s3?.close();
});

const BACKUPS = [
  'etcd-prod-20261201T000000Z-rev100.db.gz.age',
  'etcd-prod-20261202T000000Z-rev200.db.gz.age',
  'etcd-prod-20261203T000000Z-rev300.db.gz.age',
  'etcd-prod-20261204T000000Z-rev400.db.gz.age',
];

test.serial('backups list and prune on an s3 prefix: the newest N stay, other objects are left alone', async (t) => {
  const client = await s3Client();
  const put = (k: string, b: string) => client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `cli/${k}`, Body: b }));
  for (const n of BACKUPS) {
    await put(n, 'x');
    await put(`${n}.meta.json`, '{}');
  }
  await put('etcd-prod-20261130T000000Z-rev50.db.gz.age', 'an upload whose metadata never came');
  await put('README.txt', 'not a backup');
  await put('nested/etcd-prod-20261101T000000Z-rev1.db.gz.age', 'below the prefix, not in it');
  const url = `s3://${s3.bucket}/cli`;

  const list = await runCli(['backups', 'list', '--dir', url, '--json']);
  t.is(list.code, 0, list.stderr);
  const listed = (JSON.parse(list.stdout) as Array<{ backups: Array<{ name: string }> }>)[0]!.backups.map((b) => b.name);
  t.deepEqual(listed, [...BACKUPS].reverse());

  const dry = await runCli(['backups', 'prune', '--dir', url, '--keep-last', '2', '--dry-run']);
  t.is(dry.code, 0, dry.stderr);
  t.regex(dry.stdout, /dry run: nothing was deleted/);
  const store = new S3BackupStore(client, parseS3Prefix(url));
  t.is((await store.listAll()).length, 10);

  const prune = await runCli(['backups', 'prune', '--dir', url, '--keep-last', '2', '--yes']);
  t.is(prune.code, 0, prune.stderr);
  t.deepEqual((await store.listAll()).map((e) => e.name).sort(), [
    BACKUPS[2],
    `${BACKUPS[2]}.meta.json`,
    BACKUPS[3],
    `${BACKUPS[3]}.meta.json`,
    'README.txt',
    'etcd-prod-20261130T000000Z-rev50.db.gz.age',
  ].sort());
});

test.serial('a bad s3 URL is a clear usage error', async (t) => {
  const r = await runCli(['backups', 'list', '--dir', 's3://A_BAD_BUCKET/x']);
  t.is(r.code, 2, r.stderr);
  t.regex(r.stderr, /not a valid bucket name/);
});
