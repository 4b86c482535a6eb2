/**
 * The object-storage leg of a backup: the plain snapshot stream (already checked against
 * etcd's own hash as it passes, snapshot-stream.ts) is gzip-compressed, age-encrypted and
 * uploaded in parts as it arrives; no plain copy touches the controller's disk. Then the
 * metadata object is written beside it. Until then the upload is not a backup: a failure
 * before aborts the multipart upload (s3-upload.ts), a failure of the metadata write deletes
 * the snapshot object.
 */
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { metaName } from '../schedule/backup-name.js';
import type { BackupMeta } from './backup-meta.js';
import { encryptStream } from './age-stream.js';
import { s3Client, s3ErrorText, type S3Options } from './s3-client.js';
import { s3Url, type S3Location } from './s3-location.js';
import { S3BackupStore } from './s3-store.js';
import { uploadStream } from './s3-upload.js';

export interface S3BackupRequest {
  location: S3Location;
  s3?: S3Options;
  /** age public keys; empty: a plaintext upload (the caller has checked it is allowed) */
  recipients: readonly string[];
  /** the snapshot's source: the etcd stream, consumed through `decoder` */
  source: Readable;
  /** turns the source into the snapshot's bytes and checks them (SnapshotStreamDecoder) */
  decoder: NodeJS.ReadWriteStream & Readable;
  /** the object name, once the first message told the revision */
  nameOf: () => string;
  /** called first message in: resolves when the decoder has seen the first message */
  started: Promise<void>;
  /** the metadata, once the stream is complete (the sha256 is known only then) */
  metaOf: (storedSize: number) => Promise<BackupMeta>;
  signal?: AbortSignal;
  log?: (msg: string) => void;
}

export interface S3BackupResult {
  url: string;
  name: string;
  meta: BackupMeta;
}

export async function backupToS3(req: S3BackupRequest): Promise<S3BackupResult> {
  const client = await s3Client(req.s3);
  const store = new S3BackupStore(client, req.location);
  const gzip = createGzip({ level: 6 });
  const flowing = pipeline(req.source, req.decoder, gzip);
  // a failure of the stream is reported below, with the upload's outcome
  flowing.catch(() => undefined);
  await Promise.race([req.started, flowing]);
  const name = req.nameOf();
  const key = `${req.location.prefix}${name}`;
  const body = req.recipients.length ? await encryptStream(gzip, req.recipients) : gzip;
  const [streamed, uploaded] = await Promise.allSettled([flowing, uploadStream({ client, bucket: req.location.bucket, key, body, signal: req.signal, log: req.log })]);
  if (streamed.status === 'rejected') {
    // a complete object from a stream that failed afterwards cannot be trusted
    if (uploaded.status === 'fulfilled') await deleteQuietly(client, req.location.bucket, key, req.log);
    throw streamed.reason;
  }
  if (uploaded.status === 'rejected') throw new Error(`upload to ${s3Url(req.location, name)} failed: ${(uploaded.reason as Error).message}`);
  const meta = await req.metaOf(uploaded.value.size);
  try {
    await store.writeMeta(name, meta);
  } catch (e) {
    await deleteQuietly(client, req.location.bucket, key, req.log);
    throw new Error(`the snapshot was uploaded but ${metaName(name)} could not be written (${s3ErrorText(e)}); the snapshot object was deleted: it is not a backup without its metadata`);
  }
  return { url: s3Url(req.location, name), name, meta };
}

async function deleteQuietly(client: import('@aws-sdk/client-s3').S3Client, bucket: string, key: string, log?: (m: string) => void) {
  try {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  } catch (e) {
    log?.(`could not delete s3://${bucket}/${key} (${s3ErrorText(e)}): it has no metadata, so it is never listed as a backup; delete it by hand`);
  }
}
