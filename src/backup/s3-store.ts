/**
 * A backup prefix in object storage as a BackupStore (list, delete), so `backups list|prune`,
 * backup_prune and the retention rules work on it as on a directory. A snapshot object counts
 * only with its `.meta.json` beside it: one without (an upload whose metadata never arrived)
 * is not listed, so it is never taken for a backup, nor deleted by retention.
 */
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { BackupStore } from '../schedule/backup-store.js';
import { metaName, type DirEntry } from '../schedule/backup-name.js';
import { parseBackupMeta, type BackupMeta } from './backup-meta.js';
import { s3ErrorText } from './s3-client.js';
import { s3Url, type S3Location } from './s3-location.js';

export class S3BackupStore implements BackupStore {
  constructor(
    readonly client: S3Client,
    readonly location: S3Location,
  ) {}

  get where(): string {
    return s3Url(this.location);
  }

  /** every object directly under the prefix, name relative to it */
  async listAll(): Promise<DirEntry[]> {
    const out: DirEntry[] = [];
    let token: string | undefined;
    do {
      let r;
      try {
        r = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: this.location.prefix, Delimiter: '/', ContinuationToken: token }),
        );
      } catch (e) {
        throw new Error(`${this.where}: cannot list backups: ${s3ErrorText(e)}`);
      }
      for (const o of r.Contents ?? []) {
        const name = (o.Key ?? '').slice(this.location.prefix.length);
        if (name !== '' && !name.includes('/')) out.push({ name, size: o.Size ?? 0 });
      }
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async list(): Promise<DirEntry[]> {
    const all = await this.listAll();
    const names = new Set(all.map((e) => e.name));
    // a snapshot without its metadata is unfinished: not a backup
    return all.filter((e) => e.name.endsWith('.meta.json') || e.name.endsWith('.sha256') || names.has(metaName(e.name)));
  }

  async remove(names: readonly string[]): Promise<void> {
    for (const n of names) {
      if (n.includes('/') || n === '') throw new Error(`refusing to delete "${n}": not a plain object name under ${this.where}`);
      try {
        await this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: `${this.location.prefix}${n}` }));
      } catch (e) {
        throw new Error(`${this.where}: deleting ${n} failed: ${s3ErrorText(e)}`);
      }
    }
  }

  async readMeta(name: string): Promise<BackupMeta> {
    const key = `${this.location.prefix}${metaName(name)}`;
    let text: string;
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: key }));
      text = await r.Body!.transformToString('utf8');
    } catch (e) {
      const err = e as { name?: string };
      if (err.name === 'NoSuchKey') throw new Error(`${s3Url(this.location, name)} has no ${metaName(name)} beside it: it is not a finished backup`);
      throw new Error(`${s3Url(this.location, metaName(name))}: ${s3ErrorText(e)}`);
    }
    return parseBackupMeta(text, s3Url(this.location, metaName(name)));
  }

  async writeMeta(name: string, meta: BackupMeta): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.location.bucket,
        Key: `${this.location.prefix}${metaName(name)}`,
        Body: `${JSON.stringify(meta, null, 2)}\n`,
        ContentType: 'application/json',
      }),
    );
  }
}
