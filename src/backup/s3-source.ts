/**
 * Reading a backup back from object storage as the plain snapshot: download, decrypt (age),
 * decompress, and check the sha256 and size recorded in its metadata as the bytes pass. Nothing
 * is written to disk here: the restore streams it to the members, the preflight only reads it
 * through. A damaged object, a wrong identity or a missing one fail the stream (or the open)
 * with a message that says which.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { BackupMeta } from './backup-meta.js';
import { decryptStream, readIdentityFile } from './age-stream.js';
import { s3Client, s3ErrorText, type S3Options } from './s3-client.js';
import { parseS3Object } from './s3-location.js';
import { S3BackupStore } from './s3-store.js';

export interface S3Backup {
  url: string;
  name: string;
  meta: BackupMeta;
  /** the plain snapshot, verified against meta.sha256 and meta.size at its end */
  open(signal?: AbortSignal): Promise<Readable>;
}

/** fails the stream at its end when the bytes are not the ones the metadata recorded */
export class ExpectedContent extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;
  constructor(
    private readonly sha256: string,
    private readonly size: number,
    private readonly what: string,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    const got = this.hash.digest('hex');
    if (this.bytes !== this.size || got !== this.sha256) {
      cb(new Error(`${this.what} is corrupt: the restored snapshot has ${this.bytes} bytes and sha256 ${got}, its metadata recorded ${this.size} bytes and ${this.sha256}`));
      return;
    }
    cb();
  }
}

export interface OpenS3BackupOptions {
  s3?: S3Options;
  /** age identity file (on the controller); needed for an encrypted backup */
  identityFile?: string;
}

export async function openS3Backup(url: string, opts: OpenS3BackupOptions): Promise<S3Backup> {
  const where = parseS3Object(url);
  const client = await s3Client(opts.s3);
  const store = new S3BackupStore(client, where);
  const meta = await store.readMeta(where.name);
  const encrypted = meta.encryption.kind === 'age';
  if (encrypted && !opts.identityFile) {
    throw new Error(`${url} is encrypted with age: give the identity file that holds the secret key for one of its recipients (${meta.encryption.recipients.join(', ')}), e.g. -e age_identity_file=/root/.config/runbook/backup.key`);
  }
  const identities = encrypted ? await readIdentityFile(opts.identityFile!) : [];
  return {
    url,
    name: where.name,
    meta,
    async open(signal) {
      let body: Readable;
      try {
        const r = await client.send(new GetObjectCommand({ Bucket: where.bucket, Key: where.key }), { abortSignal: signal });
        body = r.Body as Readable;
      } catch (e) {
        throw new Error(`${url}: ${s3ErrorText(e)}`);
      }
      const plainCompressed = encrypted ? await decryptStream(body, identities, url) : body;
      const gunzip = meta.compression === 'gzip' ? createGunzip() : undefined;
      const check = new ExpectedContent(meta.sha256, meta.size, url);
      // errors anywhere upstream end the stream the caller reads with that error
      const stages: Readable[] = [plainCompressed, ...(gunzip ? [gunzip] : [])];
      const fail = (e: Error) => check.destroy(gunzip && e.message.includes('incorrect header check') ? new Error(`${url} is corrupt: it does not decompress (${e.message})`) : e);
      for (const s of stages) s.once('error', fail);
      let last: Readable = plainCompressed;
      if (gunzip) last = plainCompressed.pipe(gunzip);
      last.pipe(check);
      check.once('close', () => {
        for (const s of stages) s.destroy();
      });
      return check;
    },
  };
}

/** read a backup through to the end, checking everything: what the preflight of a restore does */
export async function verifyS3Backup(backup: S3Backup, signal?: AbortSignal): Promise<{ bytes: number; seconds: number }> {
  const started = Date.now();
  const stream = await backup.open(signal);
  let bytes = 0;
  for await (const chunk of stream) bytes += (chunk as Buffer).length;
  return { bytes, seconds: (Date.now() - started) / 1000 };
}
